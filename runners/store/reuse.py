"""When a finished result may be reused: only for the settings that produced it.

`settings_fingerprint` lists everything that can change a vector or a score (model
revision, pooling actually used, max length, dtype, normalisation, card options such as
a remote card's server address, served model name, instruction text per side, dim, mteb
version, data identity, plus runner extras like BRIGHT's query variant). It is written
into each run record; a re-run compares it with the stored one and either skips (equal)
or stops with one line naming what changed and the way out (`check_reuse`).

Records written before fingerprints existed hold the card, the instructions used and the
mteb version, so `legacy_settings` rebuilds what it can and only those settings are
compared: a mismatch still stops the run, a match skips with a note saying what could not
be checked. A result with no run record at all (e.g. copied in from elsewhere) is skipped
with a note too: blocking it would help nobody, reusing it silently would hide it.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.mrl import renormalizes
from embedboard.models.protocol import EncoderSettings, TaskContext
from embedboard.models.vector_identity import vector_identity

SIDES = ("query", "document", "symmetric")


def _mteb_version() -> str | None:
    try:
        return metadata.version("mteb")
    except metadata.PackageNotFoundError:
        return None


def _instructions(
    encoder: EncoderSettings, task: TaskContext, sides: tuple[str, ...]
) -> dict[str, str | None]:
    """The instruction text each side of `task` gets from this encoder, as it will encode it."""
    texts: dict[str, str | None] = {}
    for side in sides:
        prompt_type = None if side == "symmetric" else side
        try:
            texts[side] = encoder.instruction_for(task, prompt_type)
        except EmbedboardError as err:  # a side the task never encodes may be unresolvable
            texts[side] = f"<unresolvable: {err}>"
    return texts


def _card_settings(card: ModelCard | dict[str, Any]) -> dict[str, Any]:
    """The card's part of a fingerprint: `vector_identity`, options flattened to `option.<key>`."""
    identity = vector_identity(card)
    options = identity.pop("options")
    return {**identity, **{f"option.{key}": value for key, value in options.items()}}


def settings_fingerprint(
    encoder: EncoderSettings,
    task: TaskContext,
    *,
    dim: int | None,
    data: str,
    sides: tuple[str, ...] = SIDES,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Flat {setting: value} of everything that can change this task's vectors or score.

    `sides` are the sides the task encodes (query and document for retrieval, symmetric
    otherwise): an instruction change on a side the task never uses changes nothing.
    """
    card = encoder.card
    settings = _card_settings(card)
    for side, text in _instructions(encoder, task, sides).items():
        settings[f"instruction.{side}"] = text
    settings["dim"] = dim or card.dim
    if dim is not None and dim != card.dim:  # an MRL dim: cut only, or cut and rescaled
        settings["mrl"] = "truncated+renormalized" if renormalizes(card) else "truncated"
    settings["mteb"] = _mteb_version()
    settings["data"] = data
    settings.update(extra or {})
    return settings


def legacy_settings(record: dict[str, Any]) -> dict[str, Any]:
    """What a run record written before fingerprints still tells about its settings."""
    settings = _card_settings(record.get("card") or {})
    for key, used in ((record.get("encode") or {}).get("instructions") or {}).items():
        settings[f"instruction.{key.rpartition(':')[2]}"] = (used or {}).get("text")
    if record.get("dim") is not None:
        settings["dim"] = record["dim"]
    mteb_version = (record.get("versions") or {}).get("mteb")
    if mteb_version:
        settings["mteb"] = mteb_version
    if "query_variant" in record:
        settings["query_variant"] = record["query_variant"]
    return settings


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """`name: old -> new` for every setting both sides know that differs."""
    return [
        f"{key}: {_shown(old[key])} -> {_shown(new[key])}"
        for key in new
        if key in old and old[key] != new[key]
    ]


def check_reuse(
    record: dict[str, Any] | None, settings: dict[str, Any], *, label: str, where: str
) -> str:
    """The "skip" line for a finished result made with `settings`, or an error naming what changed."""
    if record is None:
        return f"skip  {label}: already in {where} (no run record, so its settings are unverified; --overwrite redoes it)"
    stored = record.get("settings")
    legacy = stored is None
    changes = changed_settings(legacy_settings(record) if legacy else stored, settings)
    if not legacy:
        changes += [
            f"{key}: (none) -> {_shown(settings[key])}" for key in settings if key not in stored
        ]
        changes += [
            f"{key}: {_shown(stored[key])} -> (none)" for key in stored if key not in settings
        ]
    if changes:
        raise EmbedboardError(
            f"{label}: {where} was made with other settings ({'; '.join(changes)}). "
            "Pass --overwrite to replace it, or --results <another folder> to keep both."
        )
    if legacy:
        unchecked = sorted(set(settings) - set(legacy_settings(record)))
        return (
            f"skip  {label}: already in {where} (recorded by an older embedboard; not verifiable: "
            f"{', '.join(unchecked)}; --overwrite redoes it)"
        )
    return f"skip  {label}: already in {where} (same settings; use --overwrite to redo)"

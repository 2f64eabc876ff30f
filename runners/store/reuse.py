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
from embedboard.models.mrl import renormalizes
from embedboard.models.protocol import TaskContext
from embedboard.tasks.instructions import resolve_instruction

SIDES = ("query", "document", "symmetric")
# Card fields that change vectors; batch size, device and descriptions do not.
_CARD_FIELDS = ("revision", "adapter", "source", "pooling", "normalize", "max_length", "dtype")


def _mteb_version() -> str | None:
    try:
        return metadata.version("mteb")
    except metadata.PackageNotFoundError:
        return None


def _instructions(encoder: Any, task: TaskContext, sides: tuple[str, ...]) -> dict[str, str | None]:
    """The instruction text each side of `task` gets from this encoder, as it will encode it."""
    resolve = getattr(encoder, "instruction_for", None)
    table = getattr(encoder, "instruction_table", None) or encoder.card.instructions
    texts: dict[str, str | None] = {}
    for side in sides:
        prompt_type = None if side == "symmetric" else side
        try:
            texts[side] = (
                resolve(task, prompt_type)
                if resolve
                else resolve_instruction(task.instruction_table or table, task, prompt_type)
            )
        except EmbedboardError as err:  # a side the task never encodes may be unresolvable
            texts[side] = f"<unresolvable: {err}>"
    return texts


def settings_fingerprint(
    encoder: Any,
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
    settings: dict[str, Any] = {name: getattr(card, name) for name in _CARD_FIELDS}
    for key, value in sorted((card.options or {}).items()):
        if not key.startswith("runtime_"):
            settings[f"option.{key}"] = value
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
    card = record.get("card") or {}
    settings: dict[str, Any] = {name: card[name] for name in _CARD_FIELDS if name in card}
    for key, value in (card.get("options") or {}).items():
        if not key.startswith("runtime_"):
            settings[f"option.{key}"] = value
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

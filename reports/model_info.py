"""What a leaderboard prints about a model besides its scores: link, size, dims, max tokens, dates.

Sources, first one that knows wins per field: the `model_meta.json` our runner writes beside the
results (what actually ran), mteb's model registry (`mteb.get_model_meta`, what mteb's own
leaderboard prints), then embedboard's model cards. Nothing here is computed from weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from embedboard.reports.loading import ResultFolder
from embedboard.results_layout import MODEL_META_FILE, run_records_folder


@dataclass(frozen=True)
class ModelInfo:
    """Display facts about one model; None where no source knows."""

    reference: str | None = None  # a URL for the model's name
    n_parameters: int | None = None
    embed_dim: int | None = None
    max_tokens: int | None = None
    release_date: str | None = None
    run_date: str | None = None  # newest `finished_at` of our run records, if we ran it


def _meta_json(folders: list[ResultFolder]) -> dict[str, Any]:
    for folder in folders:
        path = folder.path / MODEL_META_FILE
        if path.is_file():
            try:
                payload = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # display facts only; a damaged side file must not stop a report
            if isinstance(payload, dict):
                return payload
    return {}


def _mteb_meta(model: str) -> dict[str, Any]:
    import mteb

    try:
        meta = mteb.get_model_meta(model, fetch_from_hf=False)  # reports never touch the network
    except Exception:  # noqa: BLE001 -- mteb raises several types for a model it does not know
        return {}
    return {
        key: getattr(meta, key, None)
        for key in ("reference", "n_parameters", "embed_dim", "max_tokens", "release_date")
    }


def _card_meta(model: str) -> dict[str, Any]:
    try:
        from embedboard.models.registry import load_cards
    except ImportError:
        return {}
    for card in load_cards().values():
        if model in (card.result_name, card.hub_id):
            link = f"https://huggingface.co/{card.hub_id}" if card.hub_id else None
            return {"reference": link, "embed_dim": card.dim, "max_tokens": card.max_length}
    return {}


def _run_date(folders: list[ResultFolder]) -> str | None:
    dates = []
    for folder in folders:
        for path in run_records_folder(folder.path).glob("*.json"):
            try:
                finished = json.loads(path.read_text(encoding="utf-8")).get("finished_at")
            except (OSError, ValueError, AttributeError):
                continue
            if isinstance(finished, str):
                dates.append(finished[:10])
    return max(dates) if dates else None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == number and number not in (float("inf"), float("-inf")) else None


def model_info(model: str, folders: list[ResultFolder]) -> ModelInfo:
    """Merge the sources field by field (see the module docstring for the order)."""
    sources = [_meta_json(folders), _mteb_meta(model), _card_meta(model)]

    def first(key: str) -> Any:
        return next((s[key] for s in sources if s.get(key) not in (None, "", [])), None)

    embed_dim = first("embed_dim")
    if isinstance(embed_dim, (list, tuple)):
        embed_dim = max(embed_dim) if embed_dim else None
    release = first("release_date")
    reference = first("reference")
    return ModelInfo(
        reference=str(reference)
        if reference and str(reference).startswith(("http://", "https://"))
        else None,
        n_parameters=_as_int(first("n_parameters")),
        embed_dim=_as_int(embed_dim),
        max_tokens=_as_int(first("max_tokens")),
        release_date=str(release)[:10] if release else None,
        run_date=_run_date(folders),
    )


def short_revision(revision: str) -> str:
    """A 40-hex revision as its first 8 characters, as git prints it; other names unchanged."""
    return (
        revision[:8]
        if len(revision) == 40 and all(c in "0123456789abcdef" for c in revision)
        else revision
    )

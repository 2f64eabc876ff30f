"""What changes a vector, said once: the embedding cache key, the reuse check and the settings
fingerprint all read it from here.

A card's vectors depend on where the weights (or the served model) come from and how inputs
are turned into vectors: `VECTOR_CARD_FIELDS`, plus every card option except the `runtime_*`
ones, which tune how the work is done (concurrency, batch budgets, timeouts, price, CPU
kernels) and never what comes out. Batch size, device, `dim` (MRL dims are cut from the full
vectors), `hub_id` (the name result folders are filed under) and descriptions change no vector.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from embedboard.models.card import ModelCard

# In the order settings fingerprints have always listed them (run records keep that order).
VECTOR_CARD_FIELDS = (
    "revision",
    "adapter",
    "source",
    "pooling",
    "normalize",
    "max_length",
    "dtype",
)
RUNTIME_OPTION_PREFIX = "runtime_"


def vector_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """The card options that change vectors (all but `runtime_*`), sorted by name."""
    return {
        key: value
        for key, value in sorted((options or {}).items())
        if not key.startswith(RUNTIME_OPTION_PREFIX)
    }


def vector_identity(card: ModelCard | Mapping[str, Any]) -> dict[str, Any]:
    """`{field: value, ..., "options": {...}}` of everything on a card that changes its vectors.

    Takes a card, or the card dict an older run record holds (fields it lacks are left out,
    so a comparison only looks at what both sides know).
    """
    if isinstance(card, ModelCard):
        fields = {name: getattr(card, name) for name in VECTOR_CARD_FIELDS}
        return {**fields, "options": vector_options(card.options)}
    fields = {name: card[name] for name in VECTOR_CARD_FIELDS if name in card}
    return {**fields, "options": vector_options(card.get("options"))}

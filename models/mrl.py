"""Matryoshka truncation: smaller dims served from the full vectors, never a second encoding pass."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput, PromptType, TaskContext

# Card option: rescale truncated vectors to unit length, as the model's authors (and mteb's
# loader for it) do. Off by default: `mteb.get_model(name, embed_dim=d)` on a
# sentence-transformers model sets `truncate_dim`, which cuts without rescaling, and our
# `embed_dim_<d>` experiments must hold the numbers that call gives.
RENORMALIZE_OPTION = "mrl_renormalize"


def renormalizes(card: ModelCard) -> bool:
    """Whether this card's MRL dims are rescaled to unit length after truncation."""
    return bool((card.options or {}).get(RENORMALIZE_OPTION, False))


def truncate(vectors: np.ndarray, dim: int, *, renormalize: bool) -> np.ndarray:
    """First `dim` components; rescaled to unit length only when the card says so."""
    if renormalize:
        return truncate_and_normalize(vectors, dim)
    return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[:, :dim])


def truncate_and_normalize(vectors: np.ndarray, dim: int) -> np.ndarray:
    """First `dim` components, rescaled to unit length, as MRL models are meant to be used."""
    head = np.asarray(vectors, dtype=np.float32)[:, :dim]
    norms = np.linalg.norm(head, axis=1, keepdims=True)
    return head / np.maximum(norms, 1e-12)


class TruncatedEncoder:
    """An encoder at a smaller output dimension, sharing the full-size encoder (and its cache)."""

    def __init__(self, full: object, dim: int) -> None:
        self.full = full
        self.dim = dim

    @property
    def card(self) -> ModelCard:
        return self.full.card.replace(dim=self.dim)  # type: ignore[attr-defined]

    @property
    def stats(self):  # noqa: ANN201 -- the full encoder's EncodeStats
        return self.full.stats  # type: ignore[attr-defined]

    def reset_stats(self):  # noqa: ANN201
        return self.full.reset_stats()  # type: ignore[attr-defined]

    def encode(
        self, inputs: Sequence[EncoderInput], task: TaskContext, prompt_type: PromptType = None
    ) -> np.ndarray:
        vectors = self.full.encode(inputs, task, prompt_type)  # type: ignore[attr-defined]
        return truncate(vectors, self.dim, renormalize=renormalizes(self.card))

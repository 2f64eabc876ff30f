"""Matryoshka truncation: smaller dims served from the full vectors, never a second encoding pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from embedboard.models.card import ModelCard
from embedboard.models.protocol import Encoder, EncoderInput, PromptType, TaskContext

if TYPE_CHECKING:
    from embedboard.models.base import EncodeStats

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
    """An `Encoder` at a smaller output dimension, sharing the full-size encoder (and its cache)."""

    def __init__(self, full: Encoder, dim: int) -> None:
        self.full = full
        self.dim = dim

    @property
    def card(self) -> ModelCard:
        return self.full.card.replace(dim=self.dim)

    @property
    def stats(self) -> EncodeStats:
        return self.full.stats

    def reset_stats(self) -> EncodeStats:
        return self.full.reset_stats()

    def instruction_for(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        return self.full.instruction_for(task, prompt_type)

    def encode(
        self, inputs: Sequence[EncoderInput], task: TaskContext, prompt_type: PromptType = None
    ) -> np.ndarray:
        vectors = self.full.encode(inputs, task, prompt_type)
        return truncate(vectors, self.dim, renormalize=renormalizes(self.card))

"""Matryoshka truncation: smaller dims served from the full vectors, never a second encoding pass."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput, PromptType, TaskContext


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

    def encode(self, inputs: Sequence[EncoderInput], task: TaskContext, prompt_type: PromptType = None) -> np.ndarray:
        return truncate_and_normalize(self.full.encode(inputs, task, prompt_type), self.dim)  # type: ignore[attr-defined]

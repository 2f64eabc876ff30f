"""Adapter for sentence-transformers models (hub id, local folder, or offline package)."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.adhoc_cards import announce
from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.cpu_linear import apply_cpu_linear
from embedboard.models.protocol import EncoderInput
from embedboard.models.torch_runtime import (
    longest_first_batches,
    pick_device,
    preflight_local,
    resolve_weights,
    set_threads,
    token_budget,
    torch_dtype,
)


class SentenceTransformerAdapter(EmbeddingModel):
    """Runs a SentenceTransformer; its own pooling/normalisation modules define the vectors."""

    @classmethod
    def preflight(cls, card: ModelCard, *, device: str | None = None, **_: Any) -> list[str]:
        return preflight_local(card, device)

    def __init__(
        self,
        card: ModelCard,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        cpu_linear: str | None = None,
        **kwargs: Any,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        if batch_size:
            card = card.replace(batch_size=batch_size)
        super().__init__(card, **kwargs)
        set_threads()
        self.device = pick_device(device)
        model_kwargs = (
            {"dtype": torch_dtype(card.dtype, self.device)} if card.dtype != "fp32" else {}
        )
        weights = resolve_weights(card)
        revision = None if weights != card.source else card.revision
        self.model = SentenceTransformer(
            weights,
            device=self.device,
            revision=revision,
            model_kwargs=model_kwargs,
            trust_remote_code=bool(card.options.get("trust_remote_code")),
        )
        if card.max_length:
            self.model.max_seq_length = card.max_length
        # The card records what runs: the model's own pooling and its effective max length.
        self._card = self._card.replace(
            pooling=self._checked_pooling(self._card),
            max_length=self.model.max_seq_length or card.max_length,
        )
        if card.dim is None:  # a checkpoint folder's card learns its dimension from the model
            dim_of = (
                getattr(self.model, "get_embedding_dimension", None)
                or self.model.get_sentence_embedding_dimension
            )
            self._card = self._card.replace(dim=dim_of())
        self.weights = weights
        announce(self.card, self.model)
        self.token_budget, self.max_batch_items = token_budget(card, self.device)
        self.cpu_linear = apply_cpu_linear(
            self.model,
            device=self.device,
            dtype=card.dtype,
            requested=cpu_linear,
            card_options=card.options,
        )

    def _checked_pooling(self, card: ModelCard) -> str | None:
        """The pooling the model's own Pooling module runs; a card that says otherwise is refused.

        sentence-transformers pools with its own module whatever the card says, so a card
        (or `--pooling`) naming another mode would be recorded while never applied.
        """
        modes = [module.pooling_mode for module in self.model if hasattr(module, "pooling_mode")]
        if not modes:
            return card.pooling
        mode = modes[0] if isinstance(modes[0], str) else "+".join(modes[0])
        actual = {"lasttoken": "last-token", "mean_tokens": "mean"}.get(mode, mode)
        if card.pooling is not None and card.pooling != actual:
            raise EmbedboardError(
                f"{card.name}: the card says pooling {card.pooling}, but the sentence-transformers model "
                f"pools with {actual} (its Pooling module), which is what would run. Fix the card's "
                "`pooling`, or use the hf adapter to choose the pooling."
            )
        return actual

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        texts = [item if isinstance(item, str) else "" for item in items]
        encoded = self.model.tokenizer(
            texts, add_special_tokens=True, truncation=False, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]], True

    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        """Encode in token-budget batches, longest first; each batch pads only to its own longest.

        The split only decides which inputs share a forward pass, so vectors equal those of
        one `model.encode` call up to float rounding (~1e-7).
        """
        import torch

        texts = [item if isinstance(item, str) else "" for item in inputs]
        limit = self.model.max_seq_length or None
        encoded = self.model.tokenizer(
            texts,
            add_special_tokens=True,
            truncation=limit is not None,
            max_length=limit,
            verbose=False,
        )
        lengths = [len(ids) for ids in encoded["input_ids"]]
        out: np.ndarray | None = None
        with torch.inference_mode():
            for rows in longest_first_batches(lengths, self.token_budget, self.max_batch_items):
                vectors = self.model.encode(
                    [inputs[i] for i in rows],
                    batch_size=len(rows),
                    convert_to_numpy=True,
                    normalize_embeddings=self.card.normalize,
                    show_progress_bar=False,
                )
                if out is None:
                    out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
                out[rows] = vectors
                self.advance_progress(len(rows))
        return out if out is not None else np.empty((0, self.card.dim or 0), dtype=np.float32)

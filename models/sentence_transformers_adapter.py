"""Adapter for sentence-transformers models (hub id, local folder, or offline package)."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput
from embedboard.models.torch_runtime import pick_device, resolve_weights, set_threads, torch_dtype


class SentenceTransformerAdapter(EmbeddingModel):
    """Runs a SentenceTransformer; its own pooling/normalisation modules define the vectors."""

    def __init__(
        self,
        card: ModelCard,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        **kwargs: Any,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        if batch_size:
            card = card.replace(batch_size=batch_size)
        super().__init__(card, **kwargs)
        set_threads()
        self.device = pick_device(device)
        model_kwargs = {"dtype": torch_dtype(card.dtype, self.device)} if card.dtype != "fp32" else {}
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
        self.weights = weights

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        texts = [item if isinstance(item, str) else "" for item in items]
        encoded = self.model.tokenizer(texts, add_special_tokens=True, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]], True

    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vectors = self.model.encode(
                list(inputs),
                batch_size=self.card.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=self.card.normalize,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)

"""Adapter for plain Hugging Face transformers models with CLS, mean or last-token pooling."""

from __future__ import annotations

from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
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


def pool(hidden, attention_mask, pooling: str):  # noqa: ANN001, ANN201 -- torch tensors
    """Pool token states (batch, seq, dim) into one vector per input.

    last-token reads the last *attended* position of each row, so it is right for
    left- and right-padded batches alike.
    """
    import torch

    if pooling == "cls":
        return hidden[:, 0]
    if pooling == "mean":
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    if pooling == "last-token":
        seq_len = attention_mask.shape[1]
        positions = torch.arange(seq_len, device=attention_mask.device).expand_as(attention_mask)
        last = (positions * attention_mask).argmax(dim=1)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    raise EmbedboardError(f"Unknown pooling '{pooling}'; choose cls, mean or last-token.")


class HFAdapter(EmbeddingModel):
    """AutoModel + AutoTokenizer, pooled and (by default) L2-normalised."""

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
        from transformers import AutoModel, AutoTokenizer

        if batch_size:
            card = card.replace(batch_size=batch_size)
        if card.pooling is None:
            raise EmbedboardError(
                f"{card.name}: a plain transformers model needs a pooling (cls, mean, last-token)."
            )
        super().__init__(card, **kwargs)
        set_threads()
        self.device = pick_device(device)
        weights = resolve_weights(card)
        revision = card.revision if weights == card.source else None
        trust = bool(card.options.get("trust_remote_code"))
        self.tokenizer = AutoTokenizer.from_pretrained(
            weights, revision=revision, trust_remote_code=trust
        )
        dtype = torch_dtype(card.dtype, self.device)
        self.model = AutoModel.from_pretrained(
            weights, revision=revision, dtype=dtype, trust_remote_code=trust
        )
        self.model.to(self.device).eval()
        # Tokenizers without a limit report model_max_length = 1e30; the position table is the real one.
        positions = getattr(self.model.config, "max_position_embeddings", None) or 512
        self.max_length = min(
            card.max_length or positions,
            positions,
            int(min(self.tokenizer.model_max_length, 1 << 31)),
        )
        self._card = self._card.replace(
            max_length=self.max_length
        )  # the limit that runs, for the run record
        self.append_eos = bool(card.options.get("append_eos"))
        if card.dim is None:  # a checkpoint folder's card learns its dimension from the model
            self._card = self._card.replace(dim=self.model.config.hidden_size)
        self.token_budget, self.max_batch_items = token_budget(card, self.device)
        self.cpu_linear = apply_cpu_linear(
            self.model,
            device=self.device,
            dtype=card.dtype,
            requested=cpu_linear,
            card_options=card.options,
        )

    def _texts(self, items: list[EncoderInput]) -> list[str]:
        texts = []
        for item in items:
            if not isinstance(item, str):
                raise EmbedboardError(
                    f"{self.card.name} is a text model; got a {type(item).__name__} input."
                )
            texts.append(
                item + self.tokenizer.eos_token
                if self.append_eos and self.tokenizer.eos_token
                else item
            )
        return texts

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        encoded = self.tokenizer(
            self._texts(items), add_special_tokens=True, truncation=False, verbose=False
        )
        return [len(ids) for ids in encoded["input_ids"]], True

    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        """Tokenise once, then run token-budget batches longest first, padded to each batch's longest."""
        import torch

        texts = self._texts(inputs)
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length, verbose=False)
        features = [
            dict(zip(encoded.keys(), values, strict=True))
            for values in zip(*encoded.values(), strict=True)
        ]
        lengths = [len(row["input_ids"]) for row in features]
        out = np.empty((len(texts), 0), dtype=np.float32)
        with torch.inference_mode():
            for rows in longest_first_batches(lengths, self.token_budget, self.max_batch_items):
                batch = self.tokenizer.pad(
                    [features[i] for i in rows], padding=True, return_tensors="pt"
                ).to(self.device)
                hidden = self.model(**batch).last_hidden_state
                pooled = pool(hidden, batch["attention_mask"], self.card.pooling).float()
                if self.card.normalize:
                    pooled = torch.nn.functional.normalize(pooled, p=2, dim=-1)
                if out.shape[1] == 0:
                    out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
                out[rows] = pooled.cpu().numpy()
                self.advance_progress(len(rows))
        return out

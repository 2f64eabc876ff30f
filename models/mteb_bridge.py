"""Hands any embedboard encoder to mteb 2.x as an `EncoderProtocol` model.

mteb gives us DataLoaders of batches; we give back one array, computed through our
protocol (and so through our instructions and cache). mteb never learns what kind of
model is behind it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mteb.models.abs_encoder import AbsEncoder
from mteb.models.model_meta import ModelMeta, ScoringFunction

from embedboard.models.protocol import Encoder, PromptType, TaskContext
from embedboard.results_layout import NO_REVISION


def mteb_model_meta(card: Any, experiment_kwargs: dict[str, Any] | None = None) -> ModelMeta:
    """ModelMeta for result folders: `<org>__<name>/<revision>[/experiments/<kwargs>]`."""
    return ModelMeta.create_empty(
        overwrites={
            "name": card.result_name,
            "revision": card.revision or NO_REVISION,
            "embed_dim": card.dim,
            "max_tokens": card.max_length,
            "similarity_fn_name": ScoringFunction.COSINE,
            "use_instructions": card.instructions is not None,
            "framework": ["PyTorch"]
            if card.adapter in {"sentence-transformers", "hf"}
            else ["API"],
            "experiment_kwargs": experiment_kwargs or None,
        }
    )


def task_context(task_metadata: Any) -> TaskContext:
    prompt = task_metadata.prompt
    task_prompt = prompt.get("query") if isinstance(prompt, dict) else prompt
    return TaskContext(
        name=task_metadata.name,
        type=task_metadata.type,
        languages=tuple(
            task_metadata.eval_langs if isinstance(task_metadata.eval_langs, list) else []
        ),
        task_prompt=task_prompt or task_metadata.description,
    )


def _prompt_type(value: Any) -> PromptType:
    if value is None:
        return None
    text = getattr(value, "value", value)
    return "query" if text == "query" else "document"


class MtebEncoder(AbsEncoder):
    """mteb-facing wrapper of one of our `Encoder`s."""

    def __init__(self, encoder: Encoder, experiment_kwargs: dict[str, Any] | None = None) -> None:
        self.encoder = encoder
        self.mteb_model_meta = mteb_model_meta(encoder.card, experiment_kwargs)

    def encode(
        self,
        inputs: Any,
        *,
        task_metadata: Any,
        hf_split: str,
        hf_subset: str,
        prompt_type: Any = None,
        **kwargs: Any,
    ) -> np.ndarray:
        texts: list[str] = []
        for batch in inputs:
            texts.extend(batch["text"])
        return self.encoder.encode(texts, task_context(task_metadata), _prompt_type(prompt_type))

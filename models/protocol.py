"""The one encoder protocol every part of embedboard talks to.

Runners, the mteb bridge, the BRIGHT runner and the benchmarks see only
`Encoder.encode(inputs, task, prompt_type)`; whether vectors come from a local
transformer or a remote API is the adapter's business, inside `models/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

# "query" / "document" for asymmetric tasks (retrieval, reranking); None for
# symmetric ones (STS, classification, clustering, pair classification), as mteb does.
PromptType = Literal["query", "document"] | None

# A text, or (for multimodal adapters) a mapping such as {"image": path_or_url_or_bytes}.
EncoderInput = str | dict[str, Any]


@dataclass(frozen=True)
class TaskContext:
    """What an encoder may know about the task it encodes for.

    `name` and `type` select the instruction (task name first, then task type);
    `instruction_key` lets a runner ask for another table entry than the task name
    (BRIGHT domains, for instance).
    """

    name: str
    type: str
    languages: tuple[str, ...] = ()
    instruction_key: str | None = None
    # The task's own instruction text from its mteb metadata, for tables that reuse it.
    task_prompt: str | None = None
    # A runner's choice of instruction table for this task, over the encoder's own
    # (BRIGHT's per-model tables). It travels with the task, so wrappers pass it on.
    instruction_table: str | None = None


@runtime_checkable
class Encoder(Protocol):
    """Turns inputs into float32 vectors, one row per input, in the caller's order."""

    @property
    def card(self) -> Any:  # models.card.ModelCard; typed loosely to avoid an import cycle
        ...

    def encode(
        self,
        inputs: Sequence[EncoderInput],
        task: TaskContext,
        prompt_type: PromptType = None,
    ) -> np.ndarray: ...

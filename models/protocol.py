"""The one encoder protocol every part of embedboard talks to.

Runners, the mteb bridge, the BRIGHT runner and the benchmarks see only `Encoder`:
`encode(inputs, task, prompt_type)` plus what a run records about it (card, counters,
the instruction each side gets). The planner and the workers of a scaled-out run also cut
the work into the chunks a single-process `encode` would make; they take a `ChunkedEncoder`,
which declares what that needs (chunk size, input lengths, the cache, one `embed` call per
chunk). Whether vectors come from a local transformer or a remote API is the adapter's
business, inside `models/`; nothing outside asks an encoder for anything not declared here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # the protocol names these types; importing them at run time would cycle
    from embedboard.models.base import EncodeStats
    from embedboard.models.card import ModelCard
    from embedboard.models.embedding_cache import EmbeddingCache

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
class EncoderSettings(Protocol):
    """What identifies the vectors an encoder makes: its card and the instruction of each side.

    The reuse check fingerprints these; before a model is loaded, `models.base.CardSettings`
    answers the same questions from the card alone.
    """

    @property
    def card(self) -> ModelCard: ...

    def instruction_for(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        """The instruction `encode` prefixes to inputs of this task side (None: none)."""
        ...


@runtime_checkable
class Encoder(EncoderSettings, Protocol):
    """Turns inputs into float32 vectors, one row per input, in the caller's order.

    What runners need besides `encode`: the settings identity (`EncoderSettings`) and the
    counters a run record keeps (`stats`, `reset_stats`).
    """

    @property
    def stats(self) -> EncodeStats: ...

    def reset_stats(self) -> EncodeStats:
        """Start new counters; returns the previous ones."""
        ...

    def encode(
        self,
        inputs: Sequence[EncoderInput],
        task: TaskContext,
        prompt_type: PromptType = None,
    ) -> np.ndarray: ...


@runtime_checkable
class ChunkedEncoder(Encoder, Protocol):
    """An `Encoder` whose work can be planned and split over workers (`runners/scale/`).

    `encode` dedups and looks inputs up in `cache`, prefixes `with_instruction`, sorts the
    rest by `input_lengths` and calls `embed` once per `chunk_size` chunk
    (`models.chunking.plan_chunks`): the planner replays exactly that, so a worker's chunk
    is the same forward pass the single-process run makes.
    """

    instruction_table: str | None  # the table in use: the card's, or the run's --instructions
    device: str  # where vectors are computed ("remote" for an API)
    cpu_linear: str | None  # the CPU linear-layer backend of a local model, else None

    @property
    def cache(self) -> EmbeddingCache | None: ...

    @property
    def chunk_size(self) -> int:
        """Inputs per `embed` call; each chunk is committed to the cache when done."""
        ...

    def with_instruction(self, instruction: str | None, item: EncoderInput) -> EncoderInput: ...

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        """Lengths for length-sorted batching, and whether they are token counts."""
        ...

    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        """Vectors for inputs that already carry their instruction, in the given order."""
        ...

"""The shared half of every adapter: instructions, dedup, cache, validation and progress.

An adapter only says how to turn a list of (already instruction-prefixed) inputs into
vectors (`embed`). Everything a user must be able to trust about the `encode`
protocol — order kept, duplicates encoded once, cached vectors reused, never a NaN or a
wrong-sized vector — lives here once.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.chunking import plan_chunks
from embedboard.models.embedding_cache import EmbeddingCache, cache_namespace, entry_key
from embedboard.models.protocol import EncoderInput, PromptType, TaskContext
from embedboard.tasks.instructions import instruction_hash, resolve_instruction, side_of


@dataclass
class EncodeStats:
    """Counters a runner copies into the run record after each task."""

    inputs: int = 0
    unique_inputs: int = 0
    encoded: int = 0
    cache_hits: int = 0
    encode_seconds: float = 0.0
    truncated: int = 0
    instructions: dict[str, dict[str, str | None]] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "unique_inputs": self.unique_inputs,
            "encoded": self.encoded,
            "cache_hits": self.cache_hits,
            "encode_seconds": round(self.encode_seconds, 3),
            "texts_per_second": round(self.encoded / self.encode_seconds, 1)
            if self.encode_seconds
            else None,
            "truncated": self.truncated,
            "instructions": self.instructions,
            **self.extra,
        }


@dataclass(frozen=True)
class CardSettings:
    """An encoder's settings identity before it is loaded (`EncoderSettings`): the card, and
    the instruction table it will use (the run's `--instructions`, else the card's)."""

    card: ModelCard
    instruction_table: str | None

    def instruction_for(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        return instruction_from(self.instruction_table, task, prompt_type)


def instruction_from(table: str | None, task: TaskContext, prompt_type: PromptType) -> str | None:
    """The instruction for a task side: the runner's table for the task (BRIGHT), else `table`."""
    return resolve_instruction(task.instruction_table or table, task, prompt_type)


class EmbeddingModel:
    """Base class of every adapter (a `ChunkedEncoder`). Subclasses implement `embed`.

    Local adapters set `device` and `cpu_linear` to what they loaded on; a remote adapter
    keeps these defaults.
    """

    device: str = "remote"
    cpu_linear: str | None = None
    _bar: Any = None  # the progress bar of the `encode` call in flight

    def __init__(
        self,
        card: ModelCard,
        *,
        cache_dir: str | None = None,
        instructions: str | None = None,
        show_progress: bool = True,
        **_: Any,
    ) -> None:
        self._card = card
        self.instruction_table = instructions or card.instructions
        self.cache = (
            EmbeddingCache(cache_dir, cache_namespace(card), description=card.name)
            if cache_dir
            else None
        )
        self.show_progress = show_progress
        self.stats = EncodeStats()

    @property
    def card(self) -> ModelCard:
        return self._card

    @classmethod
    def preflight(cls, card: ModelCard, **runtime: Any) -> list[str]:
        """Checks that need no weights or network (device, key), made before loading anything.

        Returns what loading will fetch from the hub (e.g. "model org/name"), so the CLI can
        test the connection once instead of letting the libraries retry for minutes.
        """
        return []

    # ---- what adapters implement -------------------------------------------------------
    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        """Vectors for inputs that already carry their instruction, in the given order."""
        raise NotImplementedError

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        """Lengths for length-sorted batching, and whether they are token counts.

        Adapters with a tokenizer return token counts; the base class then also counts
        inputs longer than the card's max length (truncated) for the run record.
        """
        return [len(item) if isinstance(item, str) else 0 for item in items], False

    def with_instruction(self, instruction: str | None, item: EncoderInput) -> EncoderInput:
        """Prefix the instruction; API adapters that send it separately override this."""
        if not instruction:
            return item
        if isinstance(item, str):
            return instruction + item
        return {**item, "instruction": instruction}

    def advance_progress(self, count: int) -> None:
        """Adapters call this after each forward pass, so the bar moves on long documents
        (a chunk of 256+ inputs can take minutes); what they do not report moves per chunk."""
        if self._bar is not None:
            self._bar.update(count)

    @property
    def chunk_size(self) -> int:
        """Inputs per `embed` call; each chunk is committed to the cache as soon as it is done."""
        return max(self.card.batch_size * 8, 256)

    # ---- the protocol ------------------------------------------------------------------
    def reset_stats(self) -> EncodeStats:
        previous, self.stats = self.stats, EncodeStats()
        return previous

    def instruction_for(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        return instruction_from(self.instruction_table, task, prompt_type)

    def encode(
        self,
        inputs: Sequence[EncoderInput],
        task: TaskContext,
        prompt_type: PromptType = None,
    ) -> np.ndarray:
        if len(inputs) == 0:
            raise EmbedboardError(
                f"Task {task.name} asked {self.card.name} to encode an empty list of inputs "
                f"({side_of(prompt_type)} side); the task's data is probably empty or filtered out."
            )
        instruction = self.instruction_for(task, prompt_type)
        self.stats.instructions[f"{task.name}:{side_of(prompt_type)}"] = {
            "text": instruction,
            "sha256_16": instruction_hash(instruction),
        }
        keys = [entry_key(prompt_type, instruction, item) for item in inputs]
        first_index: dict[bytes, int] = {}
        for index, key in enumerate(keys):
            first_index.setdefault(key, index)
        vectors: dict[bytes, np.ndarray] = (
            self.cache.get_many(list(first_index), self.card.dim) if self.cache is not None else {}
        )
        missing = [key for key in first_index if key not in vectors]
        self.stats.inputs += len(inputs)
        self.stats.unique_inputs += len(first_index)
        self.stats.cache_hits += len(first_index) - len(missing)

        if missing:
            started = time.perf_counter()
            prepared = {
                k: self.with_instruction(instruction, inputs[first_index[k]]) for k in missing
            }
            cut = plan_chunks(self, prepared)
            if cut.lengths_are_tokens and self.card.max_length:
                self.stats.truncated += sum(
                    1 for n in cut.length_of.values() if n > self.card.max_length
                )
            with tqdm(
                total=len(missing),
                desc=f"{task.name} [{side_of(prompt_type)}]",
                unit="text",
                disable=not self.show_progress,
                leave=False,
                dynamic_ncols=True,
            ) as bar:
                self._bar = bar
                try:
                    for chunk in cut.chunks:
                        batch = [prepared[k] for k in chunk]
                        shown = bar.n
                        embedded = self._checked(self.embed(batch), len(chunk), task)
                        fresh = list(zip(chunk, embedded, strict=True))
                        vectors.update(fresh)
                        if self.cache is not None:  # an empty cache is falsy (__len__)
                            self.cache.put_many(fresh)
                        bar.update(len(chunk) - (bar.n - shown))  # the part `embed` did not report
                finally:
                    self._bar = None
            self.stats.encoded += len(missing)
            self.stats.encode_seconds += time.perf_counter() - started

        out = np.stack([vectors[key] for key in keys]).astype(np.float32, copy=False)
        return self._checked(out, len(inputs), task)

    def _checked(self, array: Any, expected_rows: int, task: TaskContext) -> np.ndarray:
        """Refuse anything but `expected_rows` finite vectors of the card's dimension."""
        array = np.asarray(array, dtype=np.float32)
        where = f"model {self.card.name}, task {task.name}"
        if array.ndim != 2 or array.shape[0] != expected_rows:
            raise EmbedboardError(
                f"Expected {expected_rows} vectors, got shape {array.shape} ({where})."
            )
        if self.card.dim is not None and array.shape[1] != self.card.dim:
            raise EmbedboardError(
                f"Vectors have dimension {array.shape[1]} but the card says {self.card.dim} ({where}); "
                "fix the card's `dim` or the checkpoint."
            )
        if not np.isfinite(array).all():
            bad = int((~np.isfinite(array)).any(axis=1).sum())
            raise EmbedboardError(f"{bad} vectors contain NaN or inf ({where}).")
        check_norms(array, where=where)
        return array


def check_norms(vectors: np.ndarray, *, where: str) -> None:
    """Refuse zero vectors: what `v / norm` gives when the norm overflows float32 (components near
    1e20) or a model is broken. Run on every adapter's output, after its normalisation."""
    zero = int((~vectors.any(axis=1)).sum())
    if zero:
        raise EmbedboardError(
            f"{zero} vectors are all zeros ({where}): an overflow during normalisation or a broken model; "
            "scores from them would be meaningless."
        )

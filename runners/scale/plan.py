"""The encode plan: every vector a suite needs that the cache lacks, cut into shards for workers.

Scoring stays single-process in mteb (`runners/mteb/runner.py`), from the cache. Before it,
the plan asks: which (text, side, instruction) entries will mteb request, and which are not
cached yet? It finds out by running mteb's own evaluation once per task with a *recording*
encoder that returns throw-away vectors, so the inputs are exactly what the scoring run
will send, call by call, with the task context and prompt type of each side; nothing about
a task type's data layout is re-implemented here.

The plan then replays those calls the way `EmbeddingModel.encode` would on a cold run:
per call, the unique inputs not cached (nor planned by an earlier call), cut by the same
`models.chunking.plan_chunks` that `encode` uses (longest first, `chunk_size` per chunk). A chunk is therefore *the same list of inputs* the
single-process path passes to one `embed` call, and a worker that encodes a chunk runs the
same forward passes with the same padding: vectors are bit-identical whichever worker, and
however many, ran it. Shards group whole chunks to a similar token budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedboard.models.base import EncodeStats
from embedboard.models.card import ModelCard
from embedboard.models.chunking import plan_chunks
from embedboard.models.embedding_cache import entry_key
from embedboard.models.protocol import ChunkedEncoder, EncoderInput, PromptType, TaskContext
from embedboard.tasks.instructions import side_of

RECORD_DIM = 8  # throw-away vectors while recording: small, so mteb's scoring of them is cheap


@dataclass(frozen=True)
class Request:
    """One `encode` call mteb makes: a task side and its inputs, in mteb's order."""

    task: TaskContext
    prompt_type: PromptType
    inputs: tuple[EncoderInput, ...]


@dataclass
class Chunk:
    """Inputs one `embed` call gets on the single-process path: the unit of work, never split."""

    task: TaskContext
    prompt_type: PromptType
    inputs: list[EncoderInput]
    keys: list[bytes]
    tokens: int  # sum of input lengths (tokens when the adapter has a tokenizer)


@dataclass
class Shard:
    """Whole chunks of similar total token budget: what one worker gets at a time."""

    index: int
    chunks: list[Chunk]

    @property
    def texts(self) -> int:
        return sum(len(c.inputs) for c in self.chunks)

    @property
    def tokens(self) -> int:
        return sum(c.tokens for c in self.chunks)


@dataclass
class TaskPlan:
    name: str
    requests: int = 0
    inputs: int = 0
    unique: int = 0
    cached: int = 0
    to_encode: int = 0
    tokens: int = 0


@dataclass
class EncodePlan:
    """What a suite still needs: per-task counts, and the shards that fill the cache."""

    tasks: list[TaskPlan]
    shards: list[Shard]
    lengths_are_tokens: bool
    plan_seconds: float = 0.0
    skipped_tasks: list[str] = field(default_factory=list)

    @property
    def chunks(self) -> list[Chunk]:
        return [chunk for shard in self.shards for chunk in shard.chunks]

    @property
    def texts(self) -> int:
        return sum(t.to_encode for t in self.tasks)

    @property
    def tokens(self) -> int:
        return sum(t.tokens for t in self.tasks)

    @property
    def cached(self) -> int:
        return sum(t.cached for t in self.tasks)

    def summary(self) -> dict[str, Any]:
        return {
            "tasks": len(self.tasks),
            "texts_to_encode": self.texts,
            "tokens_to_encode": self.tokens,
            "cached": self.cached,
            "shards": len(self.shards),
            "plan_seconds": round(self.plan_seconds, 3),
        }


class RecordingEncoder:
    """Stands in for the model during a recording pass: remembers each call, computes nothing."""

    def __init__(self, card: ModelCard) -> None:
        self.card = card
        self.requests: list[Request] = []
        self._rng = np.random.default_rng(0)

    @property
    def stats(self) -> EncodeStats:
        return EncodeStats()

    def reset_stats(self) -> EncodeStats:
        return self.stats

    def instruction_for(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        return None  # the plan resolves instructions with the real encoder, per recorded call

    def encode(
        self, inputs: Sequence[EncoderInput], task: TaskContext, prompt_type: PromptType = None
    ) -> np.ndarray:
        self.requests.append(Request(task, prompt_type, tuple(inputs)))
        vectors = self._rng.standard_normal((len(inputs), RECORD_DIM)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def record_requests(
    card: ModelCard, tasks: list[Any], data_dir: str | None, suite_name: str
) -> dict[str, list[Request]]:
    """Every encode call mteb makes for each task, found by evaluating with a recording encoder.

    The evaluation runs with the same arguments as `mteb_runner._evaluate_one` but writes
    nothing; its scores (of random vectors) are thrown away.
    """
    import mteb

    from embedboard.models.mteb_bridge import MtebEncoder
    from embedboard.runners.data.data_source import locate
    from embedboard.runners.mteb.label_access import read_labels_once
    from embedboard.runners.mteb.runner import _explained, _quiet_libraries

    _quiet_libraries()
    logging.getLogger("mteb").setLevel(logging.CRITICAL)  # scoring random vectors may warn
    recorded: dict[str, list[Request]] = {}
    for task in tasks:
        name = task.metadata.name
        located, source = locate(task, data_dir, suite_name)
        read_labels_once(located)
        recorder = RecordingEncoder(card)
        with _explained(name, source.as_dict(), data_dir, suite_name):
            located.load_data()
            try:
                mteb.evaluate(
                    MtebEncoder(recorder),
                    located,
                    cache=None,
                    overwrite_strategy="always",
                    show_progress_bar=False,
                    encode_kwargs={
                        "batch_size": max(card.batch_size, 256),
                        "show_progress_bar": False,
                    },
                )
            finally:
                located.unload_data()
        recorded[name] = recorder.requests
    return recorded


def build_plan(
    encoder: ChunkedEncoder,
    recorded: dict[str, list[Request]],
    *,
    shards_per_worker: int = 4,
    workers: int = 1,
    skipped_tasks: list[str] | None = None,
) -> EncodePlan:
    """Replay the recorded calls as a cold `encode` would, against what the cache holds now.

    `encoder` is the driver's adapter: its instructions and cache, and `plan_chunks` (the
    function `EmbeddingModel.encode` cuts with), define the chunks, so they match the
    single-process run exactly.
    """
    started = time.perf_counter()
    cache = encoder.cache
    planned: set[bytes] = set()  # keys cached or planned by an earlier call
    chunks: list[Chunk] = []
    tasks: list[TaskPlan] = []
    are_tokens = False
    for name, requests in recorded.items():
        summary = TaskPlan(name, requests=len(requests))
        for request in requests:
            instruction = encoder.instruction_for(request.task, request.prompt_type)
            first: dict[bytes, EncoderInput] = {}
            for item in request.inputs:
                first.setdefault(entry_key(request.prompt_type, instruction, item), item)
            summary.inputs += len(request.inputs)
            fresh = [key for key in first if key not in planned]
            cached = cache.get_many(fresh) if cache is not None and fresh else {}
            missing = [key for key in fresh if key not in cached]
            summary.unique += len(first)
            summary.cached += len(cached)
            planned.update(fresh)  # cached or planned now: a later call neither counts nor plans it
            if not missing:
                continue
            prepared = {key: encoder.with_instruction(instruction, first[key]) for key in missing}
            cut = plan_chunks(encoder, prepared)  # the cut EmbeddingModel.encode makes
            are_tokens = cut.lengths_are_tokens
            for keys in cut.chunks:
                chunks.append(
                    Chunk(
                        request.task,
                        request.prompt_type,
                        [first[k] for k in keys],
                        keys,
                        sum(cut.length_of[k] for k in keys),
                    )
                )
            summary.to_encode += len(missing)
            summary.tokens += sum(cut.length_of.values())
        tasks.append(summary)
    shards = cut_shards(chunks, max(1, workers) * max(1, shards_per_worker))
    return EncodePlan(
        tasks, shards, are_tokens, time.perf_counter() - started, list(skipped_tasks or [])
    )


def cut_shards(chunks: list[Chunk], target_shards: int) -> list[Shard]:
    """Group whole chunks, longest first, into shards of about total_tokens / target_shards.

    A chunk bigger than the target is a shard of its own. Shards come out in descending
    token order, so a queue that hands them out in order starts the longest work first
    (longest-processing-time scheduling keeps workers finishing together).
    """
    if not chunks:
        return []
    ordered = sorted(chunks, key=lambda c: -c.tokens)
    budget = max(1, sum(c.tokens for c in ordered) // max(1, target_shards))
    groups: list[list[Chunk]] = []
    current: list[Chunk] = []
    current_tokens = 0
    for chunk in ordered:
        if current and current_tokens + chunk.tokens > budget:
            groups.append(current)
            current, current_tokens = [], 0
        current.append(chunk)
        current_tokens += chunk.tokens
    if current:
        groups.append(current)
    groups.sort(key=lambda g: -sum(c.tokens for c in g))
    return [Shard(index, group) for index, group in enumerate(groups)]


def measure_throughput(
    encoder: ChunkedEncoder, plan: EncodePlan, sample: int = 64
) -> dict[str, float] | None:
    """Tokens/s (and texts/s) of one worker on a spread of the plan's inputs, after a warm-up.

    The sample takes inputs at even steps through the length-sorted plan, so long and short
    ones both count; a mixed batch pads more than the plan's sorted ones, so the ETA errs long.
    """
    items = [(chunk, i) for chunk in plan.chunks for i in range(len(chunk.inputs))]
    if not items:
        return None
    step = max(1, len(items) // sample)
    picked = items[::step][:sample]
    prepared = [
        encoder.with_instruction(
            encoder.instruction_for(chunk.task, chunk.prompt_type), chunk.inputs[i]
        )
        for chunk, i in picked
    ]
    lengths, _ = encoder.input_lengths(prepared)
    encoder.embed(prepared[:4])  # warm-up: first-call allocations and lazy imports
    started = time.perf_counter()
    encoder.embed(prepared)
    seconds = max(time.perf_counter() - started, 1e-9)
    return {
        "texts_per_second": len(prepared) / seconds,
        "tokens_per_second": sum(lengths) / seconds,
        "sample": len(prepared),
    }


def eta_seconds(plan: EncodePlan, throughput: dict[str, float], workers: int) -> float:
    """Seconds for the plan at `throughput` per worker, with `workers` working in parallel."""
    if "tokens_per_second" in throughput and plan.tokens:
        per_worker = plan.tokens / throughput["tokens_per_second"]
    else:
        per_worker = plan.texts / max(throughput["texts_per_second"], 1e-9)
    return per_worker / max(1, workers)


def describe_plan(
    plan: EncodePlan,
    throughput: dict[str, float] | None,
    workers: int,
    echo: Callable[[str], None] = print,
) -> None:
    """The table `embedboard plan` prints: per task, then totals and the ETA."""
    unit = "tokens" if plan.lengths_are_tokens else "chars"
    echo(
        f"{'task':<36} {'calls':>5} {'inputs':>9} {'unique':>9} {'cached':>9} {'to encode':>9} {unit:>11}"
    )
    for t in plan.tasks:
        echo(
            f"{t.name:<36} {t.requests:>5} {t.inputs:>9} {t.unique:>9} {t.cached:>9} {t.to_encode:>9} {t.tokens:>11}"
        )
    for name in plan.skipped_tasks:
        echo(f"{name:<36} (results already written; skipped)")
    echo(
        f"{'total':<36} {'':>5} {'':>9} {'':>9} {plan.cached:>9} {plan.texts:>9} {plan.tokens:>11}"
    )
    sides = sorted({f"{c.task.name}:{side_of(c.prompt_type)}" for c in plan.chunks})
    echo(
        f"{len(plan.shards)} shard(s) of ~{plan.tokens // max(1, len(plan.shards))} {unit}, "
        f"{len(plan.chunks)} chunk(s) over {len(sides)} task side(s); planned in {plan.plan_seconds:.1f}s"
    )
    if throughput is None:
        echo(
            "ETA: nothing to encode"
            if not plan.texts
            else "ETA: unknown (pass --throughput TEXTS_PER_S)"
        )
        return
    seconds = eta_seconds(plan, throughput, workers)
    rate = f"{throughput['texts_per_second']:.1f} texts/s"
    if "tokens_per_second" in throughput:
        rate += f", {throughput['tokens_per_second']:.0f} {unit}/s"
    echo(f"ETA: {_duration(seconds)} with {workers} worker(s) at {rate} each")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"

"""Workers that fill the embedding cache from an encode plan, and the driver loop that merges them.

Three kinds share one contract: a pool takes shards and yields a `ShardResult` per shard
(vectors in chunk order, plus the cache keys the worker itself computed). The driver checks
the keys against the plan and writes the vectors into *its* cache as each shard arrives, so
a killed run keeps every finished shard and the next run plans only what is missing.

- `LocalPool`: N processes on this machine, one per device (`cuda:0,cuda:1`) or N CPU
  processes with the cores split between them.
- `ServerPool`: one thread per OpenAI-compatible server; each pulls the next shard when it
  is free, so a faster server takes more of them.
- `RayPool` (`runners/scale/ray_workers.py`): actors on a Ray cluster.

A worker is an ordinary adapter built from the driver's card with no cache of its own; it
encodes a chunk through the public `encode` protocol, which on a chunk of unique inputs is
exactly one `embed` call, the one the single-process run would have made.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import EmbeddingCache, entry_key
from embedboard.models.protocol import ChunkedEncoder
from embedboard.runners.scale.plan import EncodePlan, Shard


@dataclass
class ShardResult:
    index: int
    vectors: list[np.ndarray]  # one array per chunk, rows in the chunk's input order
    keys: list[list[bytes]]  # the worker's own cache keys: a different instruction shows here
    worker: str  # host:pid:device
    encode_seconds: float
    load_seconds: float = 0.0  # the worker's model load (start-up), reported with each shard


@dataclass
class FillReport:
    """What the run record keeps about a distributed fill."""

    layout: str
    workers: dict[str, dict[str, float]] = field(default_factory=dict)
    shards: int = 0
    texts: int = 0
    plan_seconds: float = 0.0
    fill_seconds: float = 0.0
    merge_seconds: float = 0.0

    @property
    def encode_seconds(self) -> float:
        return sum(w["encode_seconds"] for w in self.workers.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "workers": self.workers,
            "shards": self.shards,
            "texts": self.texts,
            "plan_seconds": round(self.plan_seconds, 3),
            "fill_seconds": round(self.fill_seconds, 3),
            "merge_seconds": round(self.merge_seconds, 3),
            "workers_encode_seconds": round(self.encode_seconds, 3),
        }


def worker_name(device: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{device}"


def encode_shard(adapter: ChunkedEncoder, shard: Shard, worker: str) -> ShardResult:
    """Encode every chunk of a shard through the adapter's own `encode` (worker side)."""
    started = time.perf_counter()
    vectors, keys = [], []
    for chunk in shard.chunks:
        instruction = adapter.instruction_for(chunk.task, chunk.prompt_type)
        keys.append([entry_key(chunk.prompt_type, instruction, item) for item in chunk.inputs])
        vectors.append(adapter.encode(chunk.inputs, chunk.task, chunk.prompt_type))
    return ShardResult(shard.index, vectors, keys, worker, time.perf_counter() - started)


def fill_cache(
    plan: EncodePlan,
    results: Iterator[ShardResult],
    cache: EmbeddingCache,
    layout: str,
    echo: Callable[[str], None] = print,
) -> FillReport:
    """Merge shard results into the driver's cache as they arrive; refuse mismatched keys."""
    report = FillReport(layout, plan_seconds=plan.plan_seconds)
    by_index = {shard.index: shard for shard in plan.shards}
    started = time.perf_counter()
    done: set[int] = set()
    for result in results:
        merge_started = time.perf_counter()
        shard = by_index[result.index]
        if result.index in done:
            continue  # a retried shard that finished twice: same content address, same vectors
        for chunk, keys, vectors in zip(shard.chunks, result.keys, result.vectors, strict=True):
            if keys != chunk.keys:
                raise EmbedboardError(
                    f"Worker {result.worker} computed other cache keys than the plan for {chunk.task.name} "
                    f"({chunk.prompt_type or 'symmetric'} side): its instructions differ. Install the same "
                    "embedboard version (and instruction tables) on every worker."
                )
            if vectors.shape[0] != len(keys):
                raise EmbedboardError(
                    f"Worker {result.worker} returned {vectors.shape[0]} vectors for {len(keys)} inputs."
                )
            cache.put_many(zip(keys, vectors, strict=True))
        done.add(result.index)
        stats = report.workers.setdefault(
            result.worker, {"shards": 0, "texts": 0, "encode_seconds": 0.0}
        )
        stats["load_seconds"] = round(result.load_seconds, 3)
        stats["shards"] += 1
        stats["texts"] += shard.texts
        stats["encode_seconds"] = round(stats["encode_seconds"] + result.encode_seconds, 3)
        report.shards += 1
        report.texts += shard.texts
        report.merge_seconds += time.perf_counter() - merge_started
        echo(
            f"shard {len(done)}/{len(plan.shards)}: {shard.texts} texts by {result.worker} "
            f"in {result.encode_seconds:.1f}s"
        )
    report.fill_seconds = time.perf_counter() - started
    missing = set(by_index) - done
    if missing:
        raise EmbedboardError(
            f"{len(missing)} shard(s) never came back; re-run to encode what is missing."
        )
    return report


# ---- local processes -----------------------------------------------------------------------
_WORKER: dict[str, Any] = {}


def _init_local_worker(
    card: ModelCard, adapter_kwargs: dict[str, Any], devices: Any, threads: int
) -> None:
    """Runs once in each worker process: claim a device, cap threads, load the model."""
    from embedboard.models.registry import load_adapter

    started = time.perf_counter()
    device = devices.get()
    os.environ["EMBEDBOARD_THREADS"] = str(threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    kwargs = {**adapter_kwargs, "device": device, "cache_dir": None, "show_progress": False}
    _WORKER["adapter"] = load_adapter(card, **kwargs)
    _WORKER["name"] = worker_name(device)
    _WORKER["load_seconds"] = time.perf_counter() - started


def _run_local_shard(shard: Shard) -> ShardResult:
    result = encode_shard(_WORKER["adapter"], shard, _WORKER["name"])
    result.load_seconds = _WORKER["load_seconds"]
    return result


class LocalPool:
    """N worker processes on this machine (spawned: torch and fork do not mix)."""

    def __init__(
        self, card: ModelCard, adapter_kwargs: dict[str, Any], devices: list[str], threads: int
    ) -> None:
        self.card, self.adapter_kwargs, self.devices, self.threads = (
            card,
            adapter_kwargs,
            devices,
            threads,
        )

    @property
    def layout(self) -> str:
        return (
            f"local x{len(self.devices)} ({','.join(self.devices)}; {self.threads} thread(s) each)"
        )

    def results(self, shards: list[Shard]) -> Iterator[ShardResult]:
        if not shards:
            return
        context = multiprocessing.get_context("spawn")
        devices = context.Queue()  # each worker takes one device as it starts
        for device in self.devices:
            devices.put(device)
        with ProcessPoolExecutor(
            len(self.devices),
            mp_context=context,
            initializer=_init_local_worker,
            initargs=(self.card, self.adapter_kwargs, devices, self.threads),
        ) as pool:
            # The executor hands shards out as workers free up, longest first (the plan's order).
            pending = {pool.submit(_run_local_shard, shard) for shard in shards}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    yield future.result()


# ---- several servers -----------------------------------------------------------------------
class ServerPool:
    """One adapter per OpenAI-compatible server, each pulling shards from one queue."""

    def __init__(
        self, card: ModelCard, adapter_kwargs: dict[str, Any], api_bases: list[str]
    ) -> None:
        self.card, self.adapter_kwargs, self.api_bases = card, adapter_kwargs, api_bases

    @property
    def layout(self) -> str:
        return f"servers x{len(self.api_bases)} ({','.join(self.api_bases)})"

    def results(self, shards: list[Shard]) -> Iterator[ShardResult]:
        from embedboard.models.registry import load_adapter

        todo: queue.Queue[Shard] = queue.Queue()
        for shard in shards:
            todo.put(shard)
        out: queue.Queue[ShardResult | BaseException] = queue.Queue()
        stop = threading.Event()

        def serve(base: str) -> None:
            shard = None
            try:
                kwargs = {
                    **self.adapter_kwargs,
                    "api_base": base,
                    "cache_dir": None,
                    "show_progress": False,
                }
                adapter = load_adapter(self.card, **kwargs)
                while (
                    not stop.is_set()
                ):  # until the driver has every shard: a failed server's come back
                    try:
                        shard = todo.get(timeout=0.1)
                    except queue.Empty:
                        continue
                    out.put(encode_shard(adapter, shard, base))
                    shard = None
            except BaseException as err:  # noqa: BLE001 -- handed to the driver thread
                if shard is not None:
                    todo.put(shard)  # another server takes it over
                out.put(_ServerFailed(base, err))

        threads = [
            threading.Thread(target=serve, args=(base,), daemon=True) for base in self.api_bases
        ]
        for thread in threads:
            thread.start()
        alive, delivered = len(threads), 0
        try:
            while delivered < len(shards):
                item = out.get()
                if isinstance(item, _ServerFailed):
                    alive -= 1
                    if alive == 0:
                        raise EmbedboardError(
                            f"Every server failed; the last, {item.base}, with: {item.error}. Finished shards "
                            "are cached: re-run to resume."
                        ) from item.error
                    continue
                delivered += 1
                yield item
        finally:
            stop.set()


@dataclass
class _ServerFailed:
    base: str
    error: BaseException

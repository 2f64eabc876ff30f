"""Ray actors that fill the driver's cache: one model per actor (one per GPU on a GPU cluster).

Ray is the distributed engine: it places actors, ships shards and vectors (numpy arrays go
through its object store), and re-runs work on a lost worker. Each actor is created with
`max_restarts` and `max_task_retries`, so when its process or node dies mid-shard Ray starts
a new one (which loads the model again) and re-runs the shard it had; we only keep at most
one shard in flight per actor, so a slow node never hoards work.

Every node needs the same embedboard installed (`pip install 'embedboard[ray]'`); the
driver compares the cache keys each worker returns with the plan's, so a node with other
instruction tables fails loudly instead of writing vectors under the wrong key.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.runners.scale.plan import Shard
from embedboard.runners.scale.workers import ShardResult, encode_shard, worker_name

RETRIES = 3


def _ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise EmbedboardError(
            "--ray needs Ray: pip install 'embedboard[ray]' (or pip install ray)."
        ) from err
    return ray


class EncodeActor:
    """Holds one adapter; Ray makes this a remote actor class in `RayPool`."""

    def __init__(
        self, card: ModelCard, adapter_kwargs: dict[str, Any], device: str, threads: int
    ) -> None:
        # Ray sets OMP_NUM_THREADS=1 in its workers; torch threads follow EMBEDBOARD_THREADS.
        started = time.perf_counter()
        os.environ["EMBEDBOARD_THREADS"] = str(threads)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from embedboard.models.registry import load_adapter

        kwargs = {**adapter_kwargs, "device": device, "cache_dir": None, "show_progress": False}
        self.adapter = load_adapter(card, **kwargs)
        self.name = worker_name(device)
        self.load_seconds = time.perf_counter() - started

    def pid(self) -> int:
        return os.getpid()

    def run(self, shard: Shard) -> ShardResult:
        result = encode_shard(self.adapter, shard, self.name)
        result.load_seconds = self.load_seconds
        return result


def connect(address: str | None, num_cpus: int | None = None, temp_dir: str | None = None) -> bool:
    """Join the cluster at `address` (or start a local one); True when this call started Ray.

    A caller that already ran `ray.init` (a test, a notebook) keeps its own session.
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
    if address:
        kwargs["address"] = address
    else:
        kwargs["num_cpus"] = num_cpus
        temp_dir = temp_dir or os.environ.get("EMBEDBOARD_RAY_TEMP")
        if temp_dir:
            kwargs["_temp_dir"] = temp_dir
    try:
        ray.init(**kwargs)
    except Exception as err:  # ConnectionError, a version mismatch, an auth failure
        raise EmbedboardError(
            f"Could not join the Ray cluster at {address or 'a new local instance'}: {err}. Start one with "
            "`ray start --head` and pass its address to --ray (or --ray auto on a cluster node)."
        ) from err
    return True


class RayPool:
    """`workers` actors on the current Ray cluster; GPU actors when `gpus_per_worker` > 0."""

    def __init__(
        self,
        card: ModelCard,
        adapter_kwargs: dict[str, Any],
        workers: int,
        *,
        threads: int = 1,
        gpus_per_worker: float = 0,
        device: str = "cpu",
        retries: int = RETRIES,
    ) -> None:
        self.card, self.adapter_kwargs, self.workers = card, adapter_kwargs, workers
        self.threads, self.gpus_per_worker, self.device, self.retries = (
            threads,
            gpus_per_worker,
            device,
            retries,
        )
        self.actors: list[Any] = []

    @property
    def layout(self) -> str:
        kind = f"{self.gpus_per_worker:g} GPU" if self.gpus_per_worker else f"{self.threads} CPU"
        return f"ray x{self.workers} ({kind} each)"

    def start(self) -> list[Any]:
        ray = _ray()
        actor_class = ray.remote(EncodeActor).options(
            num_cpus=self.threads if not self.gpus_per_worker else 1,
            num_gpus=self.gpus_per_worker,
            max_restarts=self.retries,
            max_task_retries=self.retries,
        )
        device = "cuda" if self.gpus_per_worker else self.device
        self.actors = [
            actor_class.remote(self.card, self.adapter_kwargs, device, self.threads)
            for _ in range(self.workers)
        ]
        return self.actors

    def results(self, shards: list[Shard]) -> Iterator[ShardResult]:
        if not shards:
            return
        ray = _ray()
        actors = self.actors or self.start()
        todo = list(reversed(shards))  # pop() hands out the longest shard first
        running: dict[Any, tuple[Any, Shard]] = {}
        try:
            for actor in actors:
                if todo:
                    shard = todo.pop()
                    running[actor.run.remote(shard)] = (actor, shard)
            while running:
                finished, _ = ray.wait(list(running), num_returns=1)
                ref = finished[0]
                actor, shard = running.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as err:
                    raise EmbedboardError(
                        f"Shard {shard.index} failed on Ray after {self.retries} retries: {err}. Finished shards "
                        "are cached: re-run to resume."
                    ) from err
                if todo:
                    next_shard = todo.pop()
                    running[actor.run.remote(next_shard)] = (actor, next_shard)
                yield result
        finally:
            for actor in actors:
                ray.kill(actor)
            self.actors = []

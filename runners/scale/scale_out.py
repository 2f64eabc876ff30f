"""Plan, then fill the cache with workers, before the ordinary single-process scoring run.

`embedboard eval` calls `prefill` when a run asks for more than one worker; scoring then
finds every vector in the cache and never learns which layout produced them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.protocol import ChunkedEncoder
from embedboard.results_layout import NO_REVISION
from embedboard.runners.scale.plan import EncodePlan, build_plan, record_requests
from embedboard.runners.scale.workers import FillReport, LocalPool, ServerPool, fill_cache
from embedboard.runners.store.results_store import ResultsStore

if TYPE_CHECKING:  # Ray is optional: its pool is imported only when --ray asks for it
    from embedboard.runners.scale.ray_workers import RayPool


@dataclass
class ScaleOptions:
    """How to encode: `workers` local processes over `devices`, several servers, or Ray."""

    workers: int | None = None
    devices: list[str] = field(default_factory=list)
    api_bases: list[str] = field(default_factory=list)
    ray: str | None = None  # None: no Ray; "": start a local instance; else the cluster address
    shards_per_worker: int = 4

    @property
    def active(self) -> bool:
        return (
            (self.workers or 1) > 1
            or len(self.devices) > 1
            or len(self.api_bases) > 1
            or self.ray is not None
        )

    def worker_count(self) -> int:
        if self.api_bases and len(self.api_bases) > 1:
            return len(self.api_bases)
        return self.workers or max(1, len(self.devices))


def threads_per_worker(workers: int) -> int:
    """Split the cores this machine has free among local CPU workers (at least one each)."""
    from embedboard.models.torch_runtime import default_threads

    return max(1, default_threads() // max(1, workers))


def make_pool(
    options: ScaleOptions, card: ModelCard, adapter_kwargs: dict[str, Any]
) -> LocalPool | ServerPool | RayPool:
    """The pool for these options: servers, Ray actors, or local processes."""
    workers = options.worker_count()
    if len(options.api_bases) > 1:
        if options.ray is not None:
            raise EmbedboardError("Use either several --api-base servers or --ray, not both.")
        return ServerPool(card, adapter_kwargs, options.api_bases)
    devices = options.devices or ["cpu"]
    gpu = any(d.startswith("cuda") for d in devices)
    if options.ray is not None:
        from embedboard.runners.scale.ray_workers import RayPool, connect

        connect(options.ray or None, num_cpus=None)
        if not options.workers:
            workers = _ray_default_workers(gpu)
        return RayPool(
            card,
            adapter_kwargs,
            workers,
            threads=1 if gpu else threads_per_worker(workers),
            gpus_per_worker=1 if gpu else 0,
        )
    if gpu and workers > len(devices):
        raise EmbedboardError(
            f"--workers {workers} with {len(devices)} device(s): give one --device per GPU worker."
        )
    placed = [devices[i % len(devices)] for i in range(workers)]
    return LocalPool(card, adapter_kwargs, placed, 1 if gpu else threads_per_worker(workers))


def _ray_default_workers(gpu: bool) -> int:
    import ray

    resources = ray.cluster_resources()
    if gpu:
        return max(1, int(resources.get("GPU", 0)))
    return max(1, int(resources.get("CPU", 1)) // max(1, threads_per_worker(1)))


def pending_tasks(
    tasks: list[Any], card: ModelCard, results_root: str, dims: list[int] | None, overwrite: bool
) -> tuple[list[Any], list[str]]:
    """Tasks the scoring run will evaluate (the rest have every result file already)."""
    if overwrite:
        return list(tasks), []
    revision = card.revision or NO_REVISION
    stores = [
        ResultsStore(results_root, card.result_name, revision, d)
        for d in [None, *[d for d in dims or [] if d != card.dim]]
    ]
    todo, done = [], []
    for task in tasks:
        name = task.metadata.name
        (done if all(s.has_task(name) for s in stores) else todo).append(task)
    return todo, [t.metadata.name for t in tasks if t.metadata.name in done]


def make_plan(
    encoder: ChunkedEncoder,
    tasks: list[Any],
    *,
    data_dir: str | None,
    suite_name: str,
    results_root: str,
    dims: list[int] | None = None,
    overwrite: bool = False,
    workers: int = 1,
    shards_per_worker: int = 4,
) -> EncodePlan:
    started = time.perf_counter()
    todo, skipped = pending_tasks(tasks, encoder.card, results_root, dims, overwrite)
    recorded = record_requests(encoder.card, todo, data_dir, suite_name)
    plan = build_plan(
        encoder,
        recorded,
        workers=workers,
        shards_per_worker=shards_per_worker,
        skipped_tasks=[t.metadata.name for t in tasks if t.metadata.name in skipped],
    )
    plan.plan_seconds = time.perf_counter() - started
    return plan


def prefill(
    encoder: ChunkedEncoder,
    tasks: list[Any],
    options: ScaleOptions,
    adapter_kwargs: dict[str, Any],
    *,
    data_dir: str | None,
    suite_name: str,
    results_root: str,
    dims: list[int] | None = None,
    overwrite: bool = False,
    echo: Callable[[str], None] = print,
) -> FillReport:
    """Plan what the cache lacks and fill it with the chosen workers; the report goes in run records."""
    if encoder.cache is None:
        raise EmbedboardError(
            "Several workers fill the embedding cache: drop --no-cache (or pass --cache-dir)."
        )
    pool = make_pool(options, encoder.card, adapter_kwargs)
    plan = make_plan(
        encoder,
        tasks,
        data_dir=data_dir,
        suite_name=suite_name,
        results_root=results_root,
        dims=dims,
        overwrite=overwrite,
        workers=options.worker_count(),
        shards_per_worker=options.shards_per_worker,
    )
    echo(
        f"plan: {plan.texts} text(s) to encode ({plan.cached} cached) in {len(plan.shards)} shard(s) "
        f"on {pool.layout}; planned in {plan.plan_seconds:.1f}s"
    )
    report = fill_cache(plan, pool.results(plan.shards), encoder.cache, pool.layout, echo=echo)
    echo(
        f"filled: {report.texts} text(s) in {report.fill_seconds:.1f}s by {len(report.workers)} worker(s)"
    )
    return report

"""Runs mteb tasks through our encoder and writes results: (encoder, tasks) -> result files.

mteb does the data loading and the evaluators (we never re-implement a metric); this
module decides what to run, where its data comes from, and what gets written. A task
already on disk is skipped, so a killed run picks up where it stopped.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.models.mrl import TruncatedEncoder
from embedboard.models.mteb_bridge import MtebEncoder
from embedboard.runners.data_source import locate
from embedboard.runners.items import extract_items
from embedboard.runners.label_access import read_labels_once
from embedboard.runners.results_store import ResultsStore, experiment_kwargs
from embedboard.runners.run_record import build_run_record


@dataclass
class TaskOutcome:
    task: str
    dim: int | None
    status: str  # "done", "skipped"
    main_score: float | None
    seconds: float
    path: Path


def _quiet_libraries() -> None:
    """Keep our one bar per encode call readable: silence datasets' and mteb's own bars."""
    import datasets

    warnings.filterwarnings("ignore", message=".*is superseded by.*")  # benchmarks pin old versions on purpose
    datasets.disable_progress_bars()
    datasets.logging.set_verbosity_error()
    logging.getLogger("mteb").setLevel(logging.ERROR)  # e.g. "superseded" notes for pinned benchmark tasks


def _main_score(task_result: Any) -> float | None:
    try:
        return float(task_result.get_score())
    except Exception:  # a task with no scored split has no main score
        return None


def run_mteb_tasks(
    encoder: Any,
    tasks: list[Any],
    *,
    results_root: str | Path,
    data_dir: str | None = None,
    suite_name: str = "SUITE",
    dims: list[int] | None = None,
    overwrite: bool = False,
    runtime: dict[str, Any] | None = None,
    echo=print,  # noqa: ANN001 -- a print-like callable; tests pass a collector
) -> list[TaskOutcome]:
    """Evaluate every task at the native dim, then at each extra MRL dim from the same vectors."""
    _quiet_libraries()
    card = encoder.card
    native = card.dim
    extra_dims = [d for d in (dims or []) if d != native]
    card.check_dims(extra_dims)
    configs: list[tuple[int | None, Any]] = [(None, encoder)]
    configs += [(d, TruncatedEncoder(encoder, d)) for d in extra_dims]
    outcomes: list[TaskOutcome] = []

    for task in tasks:
        name = task.metadata.name
        pending: list[tuple[int | None, Any, ResultsStore]] = []
        for dim, dim_encoder in configs:
            store = ResultsStore(results_root, card.result_name, card.revision or "no_revision_available", dim)
            if store.has_task(name) and not overwrite:
                label = name if dim is None else f"{name} @dim {dim}"
                echo(f"skip  {label}: already in {store.task_path(name)} (use --overwrite to redo)")
                outcomes.append(TaskOutcome(name, dim, "skipped", None, 0.0, store.task_path(name)))
            else:
                pending.append((dim, dim_encoder, store))
        if not pending:
            continue
        located, source = locate(task, data_dir, suite_name)
        origin = source.as_dict()
        read_labels_once(located)
        # Loaded once for every dim: mteb leaves data it did not load itself in place.
        with _explained(name, origin, data_dir, suite_name):
            located.load_data()
        try:
            for dim, dim_encoder, store in pending:
                outcomes.append(
                    _evaluate_one(located, dim, dim_encoder, store, origin, runtime or {}, data_dir, suite_name, echo)
                )
        finally:
            located.unload_data()
    return outcomes


def _evaluate_one(  # noqa: PLR0913 -- one task at one dim, and everything its files record
    task: Any,
    dim: int | None,
    dim_encoder: Any,
    store: ResultsStore,
    source: dict[str, Any],
    runtime: dict[str, Any],
    data_dir: str | None,
    suite_name: str,
    echo,  # noqa: ANN001
) -> TaskOutcome:
    """Evaluate a loaded task with mteb at one dim and write its files, the task file last."""
    import mteb

    name = task.metadata.name
    label = name if dim is None else f"{name} @dim {dim}"
    bridge = MtebEncoder(dim_encoder, experiment_kwargs=experiment_kwargs(dim))
    # mteb's own bars (e.g. "Searching corpus chunks") off: the encoder draws ours.
    encode_kwargs = {"batch_size": max(dim_encoder.card.batch_size, 256), "show_progress_bar": False}
    dim_encoder.reset_stats()
    started = time.perf_counter()
    with _explained(name, source, data_dir, suite_name):
        model_result = mteb.evaluate(
            bridge,
            task,
            cache=None,
            overwrite_strategy="always",
            prediction_folder=store.predictions_folder(),
            show_progress_bar=False,
            encode_kwargs=encode_kwargs,
        )
    seconds = time.perf_counter() - started
    task_result = model_result.task_results[0]
    score = _main_score(task_result)
    stats = dim_encoder.stats.as_dict()
    # Items first, the task file last: the task file is what marks the task done.
    store.write_items(name, extract_items(task, task_result, store.predictions_folder()))
    store.write_run_record(
        name,
        build_run_record(
            task_name=name,
            card=dim_encoder.card,
            dim=dim,
            runtime=runtime,
            data_source=source,
            main_score=score,
            wall_seconds=seconds,
            encode_stats=stats,
        ),
    )
    store.write_model_meta(bridge.mteb_model_meta)
    store.write_run_settings(name, task_result.scores, encode_kwargs)  # as mteb's ResultCache does
    path = store.write_task_result(task_result)
    shown = f"{task.metadata.main_score}={score * 100:.2f}" if score is not None else "no score"
    echo(
        f"done  {label}: {shown}  {seconds:.1f}s  "
        f"({stats['encoded']} encoded, {stats['cache_hits']} cached"
        + (f", {stats['texts_per_second']} texts/s" if stats["texts_per_second"] else "")
        + ")"
    )
    return TaskOutcome(name, dim, "done", score, seconds, path)


@contextmanager
def _explained(task: str, source: dict[str, Any], data_dir: str | None, suite: str) -> Iterator[None]:
    """Let our own errors through; re-raise anything else from mteb or the hub via `_explain`."""
    try:
        yield
    except EmbedboardError:
        raise
    except Exception as err:
        raise _explain(err, task, source, data_dir, suite) from err


def _explain(err: Exception, task: str, source: dict[str, Any], data_dir: str | None, suite: str) -> Exception:
    """Turn a hub/connection failure into an error that names the folder and the fix."""
    text = f"{type(err).__name__}: {err}"
    network_words = ("offline", "connect", "resolve", "couldn't reach", "hub", "network", "timed out")
    if source["kind"] == "hub" and any(word in text.lower() for word in network_words):
        where = f"--data-dir {data_dir} has no copy of it, and " if data_dir else ""
        fill = f"embedboard data pull {suite} --data-dir {data_dir or 'DATA_DIR'}"
        return EmbedboardError(
            f"Task {task}: {where}loading {source['location']} from the hub failed ({text[:300]}). "
            f"Fill a local mirror on a connected machine with `{fill}` and pass --data-dir."
        )
    return err

"""Runs mteb tasks through our encoder and writes results: (encoder, tasks) -> result files.

mteb does the data loading and the evaluators (we never re-implement a metric); this
module decides what to run, where its data comes from, and what gets written. A task
already on disk is skipped when it was made with the same settings (`runners.reuse`), so
a killed run picks up where it stopped; made with other settings, it stops the run.
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
from embedboard.models.base import CardSettings
from embedboard.models.card import ModelCard
from embedboard.models.mrl import TruncatedEncoder
from embedboard.models.mteb_bridge import MtebEncoder, task_context
from embedboard.models.protocol import Encoder, EncoderSettings
from embedboard.results_layout import NO_REVISION
from embedboard.runners.data.data_source import locate
from embedboard.runners.data.mirror_cache import datasets_cache_for
from embedboard.runners.data.mirror_check import damaged_mirror_error
from embedboard.runners.mteb.label_access import read_labels_once
from embedboard.runners.mteb.task_rng import capture, reseed, restore
from embedboard.runners.store.items import extract_items
from embedboard.runners.store.results_store import ResultsStore, experiment_kwargs
from embedboard.runners.store.reuse import check_reuse, settings_fingerprint
from embedboard.runners.store.run_record import build_run_record


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

    warnings.filterwarnings(
        "ignore", message=".*is superseded by.*"
    )  # benchmarks pin old versions on purpose
    datasets.disable_progress_bars()
    # CRITICAL, not ERROR: datasets logs "Failed to load JSON ..." before raising; the raise is
    # what we report (in one line naming the file, see mirror_check).
    datasets.logging.set_verbosity(datasets.logging.CRITICAL)
    logging.getLogger("mteb").setLevel(
        logging.ERROR
    )  # e.g. "superseded" notes for pinned benchmark tasks


def _main_score(task_result: Any) -> float | None:
    try:
        return float(task_result.get_score())
    except Exception:  # a task with no scored split has no main score
        return None


def finished_runs(  # noqa: PLR0913
    card: ModelCard,
    tasks: list[Any],
    results_root: str | Path,
    dims: list[int] | None,
    overwrite: bool,
    *,
    instructions: str | None = None,
    data_dir: str | None = None,
    suite_name: str = "SUITE",
) -> list[str] | None:
    """The skip lines when every (task, dim) of a run is on disk with these settings, else None.

    Lets the CLI skip loading a model that has nothing to do. The settings are fingerprinted
    from the card before loading (the instruction table is the card's or `instructions`);
    anything short of a clean match returns None, so the loaded model makes the real check
    and names what changed. A checkpoint card (dim unknown before loading) with --dims is
    never "finished" here, since one of its dims may be the native one.
    """
    if overwrite or not tasks or (card.dim is None and dims):
        return None
    before_load = CardSettings(card, instructions or card.instructions)
    configs: list[tuple[int | None, Encoder | None]] = [(None, None)] + [
        (d, None) for d in (dims or []) if d != card.dim
    ]
    lines: list[str] = []
    for index, task in enumerate(tasks, 1):
        try:
            _, _, skipped, pending = _plan(
                task,
                before_load,
                configs,
                results_root,
                data_dir,
                suite_name,
                False,
                counter=_counter(index, len(tasks)),
            )
        except EmbedboardError:
            return None
        if pending:
            return None
        lines += [line for line, _ in skipped]
    return lines


def _counter(index: int, total: int) -> str:
    """ " [i/N]" after a task's name in a long suite, so a user sees where the run stands."""
    return f" [{index}/{total}]" if total > 1 else ""


def run_mteb_tasks(
    encoder: Encoder,
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
    configs: list[tuple[int | None, Encoder | None]] = [(None, encoder)]
    configs += [(d, TruncatedEncoder(encoder, d)) for d in extra_dims]
    outcomes: list[TaskOutcome] = []

    # Decide every task's fate before any work: a result made with other settings stops the
    # run now, not after an hour of other tasks.
    plans = [
        _plan(
            task,
            encoder,
            configs,
            results_root,
            data_dir,
            suite_name,
            overwrite,
            counter=_counter(i, len(tasks)),
        )
        for i, task in enumerate(tasks, 1)
    ]
    for i, (located, source, skipped, pending) in enumerate(plans, 1):
        for line, outcome in skipped:
            echo(line)
            outcomes.append(outcome)
        if not pending:
            continue
        name = located.metadata.name
        origin = source.as_dict()
        read_labels_once(located)
        reseed(
            located
        )  # as a freshly built task: an earlier run may have advanced the shared generators
        # Loaded once for every dim: mteb leaves data it did not load itself in place.
        with _explained(name, origin, data_dir, suite_name), datasets_cache_for(source):
            located.load_data()
        fresh_state = capture(located)
        try:
            for dim, dim_encoder, store, settings in pending:
                restore(
                    located, fresh_state
                )  # every dim draws the samples a fresh evaluation would
                outcomes.append(
                    _evaluate_one(
                        located,
                        dim,
                        dim_encoder,
                        store,
                        origin,
                        runtime or {},
                        data_dir,
                        suite_name,
                        echo,
                        settings=settings,
                        counter=_counter(i, len(tasks)),
                    )
                )
        finally:
            located.unload_data()
    return outcomes


def _sides(task: Any) -> tuple[str, ...]:
    """The sides mteb encodes a task with: retrieval-style tasks (retrieval, reranking,
    instruction retrieval) send queries and documents, every other type is symmetric."""
    from mteb.abstasks.retrieval import AbsTaskRetrieval

    return ("query", "document") if isinstance(task, AbsTaskRetrieval) else ("symmetric",)


def _plan(  # noqa: PLR0913
    task: Any,
    encoder: EncoderSettings,
    configs: list[tuple[int | None, Encoder | None]],
    results_root: str | Path,
    data_dir: str | None,
    suite_name: str,
    overwrite: bool,
    *,
    counter: str = "",
) -> tuple[
    Any,
    Any,
    list[tuple[str, TaskOutcome]],
    list[tuple[int | None, Encoder | None, ResultsStore, dict[str, Any]]],
]:
    """(located task, data source, skip lines with outcomes, dims to evaluate with their settings)."""
    name = task.metadata.name
    card = encoder.card
    located, source = locate(task, data_dir, suite_name)
    context = task_context(located.metadata)
    skipped: list[tuple[str, TaskOutcome]] = []
    pending: list[tuple[int | None, Encoder | None, ResultsStore, dict[str, Any]]] = []
    for dim, dim_encoder in configs:
        store = ResultsStore(results_root, card.result_name, card.revision or NO_REVISION, dim)
        # The full encoder answers for every dim: it holds the instruction table in use.
        settings = settings_fingerprint(
            encoder, context, dim=dim, data=source.identity, sides=_sides(task)
        )
        if store.has_task(name) and not overwrite:
            label = (name if dim is None else f"{name} @dim {dim}") + counter
            where = str(store.task_path(name))
            line = check_reuse(store.read_run_record(name), settings, label=label, where=where)
            skipped.append(
                (line, TaskOutcome(name, dim, "skipped", None, 0.0, store.task_path(name)))
            )
        else:
            pending.append((dim, dim_encoder, store, settings))
    return located, source, skipped, pending


def _evaluate_one(  # noqa: PLR0913 -- one task at one dim, and everything its files record
    task: Any,
    dim: int | None,
    dim_encoder: Encoder,
    store: ResultsStore,
    source: dict[str, Any],
    runtime: dict[str, Any],
    data_dir: str | None,
    suite_name: str,
    echo,  # noqa: ANN001
    *,
    settings: dict[str, Any] | None = None,
    counter: str = "",
) -> TaskOutcome:
    """Evaluate a loaded task with mteb at one dim and write its files, the task file last."""
    import mteb

    name = task.metadata.name
    label = (name if dim is None else f"{name} @dim {dim}") + counter
    bridge = MtebEncoder(dim_encoder, experiment_kwargs=experiment_kwargs(dim))
    # mteb's own bars (e.g. "Searching corpus chunks") off: the encoder draws ours.
    encode_kwargs = {
        "batch_size": max(dim_encoder.card.batch_size, 256),
        "show_progress_bar": False,
    }
    dim_encoder.reset_stats()
    started = time.perf_counter()
    with _explained(name, source, data_dir, suite_name):
        model_result = mteb.evaluate(
            bridge,
            task,
            cache=None,
            overwrite_strategy="always",
            prediction_folder=store.fresh_predictions_folder(name),
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
            settings=settings,
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
def _explained(
    task: str, source: dict[str, Any], data_dir: str | None, suite: str
) -> Iterator[None]:
    """Let our own errors through; re-raise anything else from mteb or the hub via `_explain`."""
    try:
        yield
    except EmbedboardError:
        raise
    except Exception as err:
        raise _explain(err, task, source, data_dir, suite) from err


def _explain(
    err: Exception, task: str, source: dict[str, Any], data_dir: str | None, suite: str
) -> Exception:
    """Turn a hub/connection failure or a damaged local copy into an error that names the fix."""
    if source["kind"] == "local":
        return damaged_mirror_error(err, task, source["location"]) or err
    text = f"{type(err).__name__}: {err}"
    network_words = (
        "offline",
        "connect",
        "resolve",
        "couldn't reach",
        "hub",
        "network",
        "timed out",
    )
    if source["kind"] == "hub" and any(word in text.lower() for word in network_words):
        where = f"--data-dir {data_dir} has no copy of it, and " if data_dir else ""
        fill = f"embedboard data pull {suite} --data-dir {data_dir or 'DATA_DIR'}"
        return EmbedboardError(
            f"Task {task}: {where}loading {source['location']} from the hub failed ({text[:300]}). "
            f"Fill a local mirror on a connected machine with `{fill}` and pass --data-dir."
        )
    return err

"""MRL one pass == a fresh mteb evaluation per dim, on a task that draws from the task's random state.

mteb's fast clustering (`.v2`, hierarchical) samples its documents and its bootstrap sets
from `task.rng_state`. The runner evaluates every dim on one loaded task object; before the
fix each dim after the first drew another sample (TwentyNewsgroupsClustering.v2 at dim 256:
0.8114 one-pass against 0.8643 from plain mteb on the same truncated vectors).
"""

from __future__ import annotations

import json
import random

import mteb
import numpy as np
import pytest

from embedboard.models.mrl import TruncatedEncoder
from embedboard.models.mteb_bridge import MtebEncoder
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb import task_rng
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import get_suite
from tests.support.type_mirrors import TASK_FOLDERS

# Folders named like real datasets load through a datasets cache of each test's own.
pytestmark = pytest.mark.usefixtures("private_datasets_cache")

TASK = "TwentyNewsgroupsClustering.v2"


def fresh_task(name: str, folder) -> object:  # noqa: ANN001
    """What a user of plain mteb holds: a newly built task, pointed at the folder."""
    task = mteb.get_task(name)
    metadata = task.metadata.model_copy(deep=True)
    metadata.dataset = {**metadata.dataset, "path": str(folder)}
    object.__setattr__(task, "metadata", metadata)
    return task


def plain_scores(encoder, name: str, folder, dim: int | None) -> dict:  # noqa: ANN001
    """mteb.evaluate on a fresh task, fed exactly the vectors the runner used at `dim`."""
    model = MtebEncoder(encoder if dim is None else TruncatedEncoder(encoder, dim))
    result = mteb.evaluate(
        model,
        fresh_task(name, folder),
        cache=None,
        overwrite_strategy="always",
        show_progress_bar=False,
    )
    return result.task_results[0].scores["test"][0]


def stored_scores(store: ResultsStore, name: str) -> dict:
    return json.loads(store.task_path(name).read_text())["scores"]["test"][0]


@pytest.fixture
def small_bootstrap(monkeypatch):
    """Bootstrap sets of 256 documents instead of 16,384 on both sides: k-means is the whole cost here.

    One OpenMP thread for k-means as well: on a loaded 2-core machine its thread barriers cost
    more than its arithmetic (the scores do not depend on the thread count).
    """
    from threadpoolctl import threadpool_limits

    monkeypatch.setattr(type(mteb.get_task(TASK)), "max_documents_per_cluster", 256)
    with threadpool_limits(limits=1):
        yield


def test_every_dim_draws_the_samples_of_a_fresh_evaluation(
    tiny_st_dir, built_mirror, tmp_path, small_bootstrap
):
    encoder = load_adapter(
        get_card(str(tiny_st_dir)),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    tasks = get_suite("mteb-eng-v2").mteb_tasks([TASK])
    run = dict(
        results_root=tmp_path / "r", data_dir=str(built_mirror), dims=[16, 8], echo=lambda *_: None
    )
    outcomes = run_mteb_tasks(encoder, tasks, **run)
    assert [o.dim for o in outcomes] == [None, 16, 8]

    folder = built_mirror / TASK_FOLDERS[TASK]
    card = encoder.card
    for dim in (None, 16, 8):
        ours = stored_scores(
            ResultsStore(tmp_path / "r", card.result_name, card.revision, dim), TASK
        )
        plain = plain_scores(encoder, TASK, folder, dim)
        # bit-identical: same documents sampled, same bootstrap sets, same k-means seeds
        assert ours["v_measures"] == plain["v_measures"], f"dim {dim}"
        assert ours["main_score"] == plain["main_score"]

    # A resumed run that only lacks dim 8 sees the same samples as the full run did.
    store = ResultsStore(tmp_path / "r", card.result_name, card.revision, 8)
    before = stored_scores(store, TASK)
    store.task_path(TASK).unlink()
    again = run_mteb_tasks(encoder, tasks, **run)
    assert [o.status for o in again] == ["skipped", "skipped", "done"]
    assert stored_scores(store, TASK)["v_measures"] == before["v_measures"]

    # And a second run in the same process (the benchmark's shared task object was used before) too.
    run_mteb_tasks(encoder, tasks, **{**run, "results_root": tmp_path / "second"})
    second = ResultsStore(tmp_path / "second", card.result_name, card.revision, 16)
    assert (
        stored_scores(second, TASK)["v_measures"]
        == plain_scores(encoder, TASK, folder, 16)["v_measures"]
    )


def test_restore_covers_every_generator_a_task_holds():
    class Task:
        seed = 7

        def __init__(self) -> None:
            self.rng_state, self.np_rng = random.Random(99), np.random.default_rng(99)
            self.legacy = np.random.RandomState(3)

    task = Task()
    task_rng.reseed(task)
    assert task.rng_state.random() == random.Random(7).random()
    snapshot = task_rng.capture(task)
    assert set(snapshot) == {"rng_state", "np_rng", "legacy"}
    first = (task.rng_state.random(), task.np_rng.random(), task.legacy.rand())
    task_rng.restore(task, snapshot)
    assert (task.rng_state.random(), task.np_rng.random(), task.legacy.rand()) == first
    task_rng.restore(task, snapshot)  # the snapshot itself was never advanced
    assert (task.rng_state.random(), task.np_rng.random(), task.legacy.rand()) == first


@pytest.mark.slow  # ~1 min: the real model, native and two dims, both sides
def test_real_model_dims_equal_fresh_mteb_on_fast_clustering(
    built_mirror, tmp_path, small_bootstrap
):
    encoder = load_adapter(
        get_card("all-MiniLM-L6-v2"),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    tasks = get_suite("mteb-eng-v2").mteb_tasks([TASK])
    run_mteb_tasks(
        encoder,
        tasks,
        results_root=tmp_path / "r",
        data_dir=str(built_mirror),
        dims=[256, 64],
        echo=lambda *_: None,
    )
    card = encoder.card
    for dim in (None, 256, 64):
        ours = stored_scores(
            ResultsStore(tmp_path / "r", card.result_name, card.revision, dim), TASK
        )
        assert (
            ours["v_measures"]
            == plain_scores(encoder, TASK, built_mirror / TASK_FOLDERS[TASK], dim)["v_measures"]
        )

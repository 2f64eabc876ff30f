"""The encode plan: exactly the inputs the scoring run asks for, cut into shards, filled by any layout."""

from __future__ import annotations

import subprocess
import sys

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.protocol import TaskContext
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.scale.plan import Chunk, cut_shards, eta_seconds
from embedboard.runners.scale.scale_out import make_plan
from embedboard.runners.scale.workers import fill_cache
from embedboard.tasks.suites import get_suite
from tests.support.paths import MIRROR
from tests.support.scale_helpers import InProcessPool, cache_rows, tiny_encoder

TASK = TaskContext("T", "STS")


def _chunk(tokens: int, n: int = 2) -> Chunk:
    return Chunk(
        TASK,
        None,
        [f"t{tokens}-{i}" for i in range(n)],
        [bytes([tokens % 256, i]) for i in range(n)],
        tokens,
    )


def test_shards_hold_whole_chunks_longest_first_with_similar_budgets():
    chunks = [_chunk(t) for t in (100, 90, 80, 70, 60, 50, 40, 30, 20, 10)]
    shards = cut_shards(chunks, 4)
    assert sorted(c.tokens for s in shards for c in s.chunks) == sorted(c.tokens for c in chunks)
    totals = [s.tokens for s in shards]
    assert totals == sorted(
        totals, reverse=True
    )  # a queue in this order starts the longest work first
    assert max(totals) <= 2 * (sum(totals) / len(totals))
    assert cut_shards([], 4) == []
    assert [s.tokens for s in cut_shards([_chunk(1000), _chunk(1)], 8)] == [
        1000,
        1,
    ]  # never split a chunk


def _plan(encoder, tasks, tmp_path, workers=2):
    return make_plan(
        encoder,
        tasks,
        data_dir=str(MIRROR),
        suite_name="smoke",
        results_root=str(tmp_path / "results"),
        workers=workers,
    )


@pytest.mark.parametrize(
    "names, sides",
    [
        (["STS16", "STSB"], {None}),
        # Retrieval: query and document sides; 5,483 inputs (minutes on a busy 2-core box).
        pytest.param(["SciFact"], {"query", "document"}, marks=pytest.mark.slow),
    ],
)
def test_plan_filled_by_two_workers_gives_the_single_process_vectors_and_all_cache_hits(
    names, sides, tiny_st_dir, tmp_path
):
    tasks = get_suite("smoke").mteb_tasks(names)
    # One process, no plan: the reference cache and scores.
    alone = tiny_encoder(tiny_st_dir, tmp_path / "alone")
    reference = run_mteb_tasks(
        alone, tasks, results_root=tmp_path / "r-alone", data_dir=str(MIRROR), echo=lambda *_: None
    )

    driver = tiny_encoder(tiny_st_dir, tmp_path / "split")
    plan = _plan(driver, tasks, tmp_path)
    assert [t.name for t in plan.tasks] == names
    assert {c.prompt_type for c in plan.chunks} == sides
    assert (
        plan.cached == 0
        and plan.texts == len(cache_rows(tmp_path / "alone"))
        and plan.tokens > plan.texts
    )
    assert len({c for s in plan.shards for c in map(id, s.chunks)}) == len(plan.chunks)
    workers = [tiny_encoder(tiny_st_dir, None), tiny_encoder(tiny_st_dir, None)]
    report = fill_cache(
        plan,
        InProcessPool(workers).results(plan.shards),
        driver.cache,
        "test",
        echo=lambda *_: None,
    )
    assert set(report.workers) == {"w0", "w1"} and report.texts == plan.texts

    assert cache_rows(tmp_path / "split") == cache_rows(tmp_path / "alone")  # bit-identical vectors
    outcomes = run_mteb_tasks(
        driver, tasks, results_root=tmp_path / "r-split", data_dir=str(MIRROR), echo=lambda *_: None
    )
    assert [o.main_score for o in outcomes] == [o.main_score for o in reference]
    assert driver.stats.encoded == 0  # scoring found every vector the plan said it would need
    assert _plan(driver, tasks, tmp_path).texts == 0


def test_a_killed_fill_resumes_from_what_reached_the_cache(tiny_st_dir, tmp_path):
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    driver = tiny_encoder(tiny_st_dir, tmp_path / "cache")
    plan = _plan(driver, tasks, tmp_path, workers=2)
    assert len(plan.shards) >= 3
    with pytest.raises(KeyboardInterrupt):
        fill_cache(
            plan,
            InProcessPool([tiny_encoder(tiny_st_dir, None)], stop_after=2).results(plan.shards),
            driver.cache,
            "test",
            echo=lambda *_: None,
        )
    kept = sum(s.texts for s in plan.shards[:2])
    resumed = _plan(driver, tasks, tmp_path)
    assert resumed.cached == kept and resumed.texts == plan.texts - kept


def test_a_worker_with_other_instructions_is_refused(tiny_st_dir, tmp_path):
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    driver = tiny_encoder(tiny_st_dir, tmp_path / "cache")
    plan = _plan(driver, tasks, tmp_path)
    odd = tiny_encoder(tiny_st_dir, None)
    odd.instruction_for = lambda task, prompt_type: "Instruct: something else\nQuery: "
    with pytest.raises(EmbedboardError, match="other cache keys"):
        fill_cache(
            plan,
            InProcessPool([odd]).results(plan.shards),
            driver.cache,
            "test",
            echo=lambda *_: None,
        )
    assert len(driver.cache) == 0


def test_eta_uses_tokens_per_second_and_divides_by_workers(tiny_st_dir, tmp_path):
    driver = tiny_encoder(tiny_st_dir, tmp_path / "cache")
    plan = _plan(driver, get_suite("smoke").mteb_tasks(["STS16"]), tmp_path)
    assert eta_seconds(
        plan, {"texts_per_second": 10.0, "tokens_per_second": 100.0}, 2
    ) == pytest.approx(plan.tokens / 200)
    assert eta_seconds(plan, {"texts_per_second": 10.0}, 1) == pytest.approx(plan.texts / 10)


def test_plan_command_prints_tasks_texts_tokens_cached_and_eta(tiny_st_dir, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "embedboard.cli",
            "plan",
            "--model",
            str(tiny_st_dir),
            "--suite",
            "smoke",
            "--tasks",
            "STS16",
            "--data-dir",
            str(MIRROR),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--results",
            str(tmp_path / "results"),
            "--workers",
            "2",
            "--sample",
            "16",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].split() == [
        "task",
        "calls",
        "inputs",
        "unique",
        "cached",
        "to",
        "encode",
        "tokens",
    ]
    assert lines[1].split()[:5] == ["STS16", "2", "2372", "1983", "0"]
    assert any(line.startswith("ETA: ") and "2 worker(s)" in line for line in lines)


def test_worker_flags_fail_early_with_the_fix(capsys):
    from embedboard.cli.main import main

    cases = [
        (["--suite", "smoke", "--workers", "0"], "--workers 0: give at least 1"),
        (["--suite", "bright", "--workers", "2"], "run BRIGHT with one device"),
        (["--suite", "smoke", "--workers", "2", "--no-cache"], "drop --no-cache"),
    ]
    for flags, fix in cases:
        assert main(["eval", "--model", "all-MiniLM-L6-v2", *flags]) == 2
        assert fix in capsys.readouterr().err

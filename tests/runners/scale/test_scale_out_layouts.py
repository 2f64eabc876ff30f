"""Same vectors and scores whatever the layout: one process, 2 local workers, a 2-worker Ray cluster.

Real model (all-MiniLM-L6-v2 from its offline package), real mirror task (STS16, the smallest
smoke task). The plan cuts work into the very chunks the single-process run embeds, so the
vectors must match to the bit, not to a tolerance. The Ray run also loses a worker mid-run:
Ray restarts the actor and re-runs its shard, and the result is still bit-identical.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.scale.scale_out import make_plan
from embedboard.runners.scale.workers import fill_cache
from embedboard.tasks.suites import get_suite
from tests.support.paths import MIRROR
from tests.support.scale_helpers import cache_rows

pytestmark = pytest.mark.slow
MODEL = "all-MiniLM-L6-v2"
TASKS = ["STS16"]


def _encoder(cache: Path):  # noqa: ANN202
    return load_adapter(get_card(MODEL), device="cpu", cache_dir=str(cache), show_progress=False)


def _score(encoder, tmp: Path, name: str) -> list[float | None]:  # noqa: ANN001
    tasks = get_suite("smoke").mteb_tasks(TASKS)
    outcomes = run_mteb_tasks(
        encoder, tasks, results_root=tmp / name, data_dir=str(MIRROR), echo=lambda *_: None
    )
    return [o.main_score for o in outcomes]


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[float | None]]:
    """The reference: one process, no plan, a cold cache."""
    tmp = tmp_path_factory.mktemp("single")
    scores = _score(_encoder(tmp / "cache"), tmp, "results")
    return tmp / "cache", scores


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """A 2-CPU local Ray cluster on 127.0.0.1 whose token, temp files and logs stay out of $HOME."""
    ray = pytest.importorskip("ray")
    home = tmp_path_factory.mktemp("home")
    temp = tempfile.mkdtemp(
        prefix="ebray-", dir="/tmp"
    )  # short: Ray's socket paths have a length limit
    saved = {k: os.environ.get(k) for k in ("HOME", "RAY_USAGE_STATS_ENABLED", "RAY_AUTH_TOKEN")}
    # A token in the environment means Ray writes none to ~/.ray/auth_token.
    os.environ.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_TOKEN=uuid.uuid4().hex)
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        _temp_dir=temp,
        _node_ip_address="127.0.0.1",
    )
    try:
        yield ray, home
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        shutil.rmtree(temp, ignore_errors=True)


def test_two_local_workers_through_the_cli_match_one_process_to_the_bit(single, tmp_path):
    reference_cache, reference_scores = single
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "embedboard.cli",
            "eval",
            "--model",
            MODEL,
            "--suite",
            "smoke",
            "--tasks",
            ",".join(TASKS),
            "--data-dir",
            str(MIRROR),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--results",
            str(tmp_path / "results"),
            "--device",
            "cpu",
            "--workers",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert cache_rows(tmp_path / "cache") == cache_rows(reference_cache)
    runs = next((tmp_path / "results").rglob("runs"))
    record = json.loads((runs / "STS16.json").read_text())
    assert record["main_score"] == reference_scores[0]
    assert (
        record["encode"]["encoded"] == 0
        and record["encode"]["cache_hits"] == record["encode"]["unique_inputs"]
    )
    scale = record["runtime"]["scale_out"]
    assert scale["layout"].startswith("local x2") and len(scale["workers"]) == 2
    assert sum(w["texts"] for w in scale["workers"].values()) == len(cache_rows(reference_cache))


def test_ray_cluster_with_a_worker_lost_mid_run_matches_one_process_to_the_bit(
    single, ray_cluster, tmp_path
):
    from embedboard.runners.scale.ray_workers import RayPool

    ray, home = ray_cluster
    reference_cache, reference_scores = single
    driver = _encoder(tmp_path / "cache")
    plan = make_plan(
        driver,
        get_suite("smoke").mteb_tasks(TASKS),
        data_dir=str(MIRROR),
        suite_name="smoke",
        results_root=str(tmp_path / "results"),
        workers=2,
    )
    pool = RayPool(driver.card, {}, 2, threads=1)
    actors = pool.start()
    pids = set(ray.get([actor.pid.remote() for actor in actors]))
    killed: list[int] = []

    def losing_one_worker(results):  # noqa: ANN001, ANN202
        for result in results:
            if not killed:  # the other actor is mid-shard now: kill its process
                victim = next(pid for pid in pids if f":{pid}:" not in result.worker)
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
            yield result

    report = fill_cache(
        plan,
        losing_one_worker(pool.results(plan.shards)),
        driver.cache,
        pool.layout,
        echo=lambda *_: None,
    )
    assert killed and report.shards == len(plan.shards)
    ran = {int(name.split(":")[1]) for name in report.workers}
    assert ran - pids  # Ray restarted the killed actor in a new process, which took shards on
    assert cache_rows(tmp_path / "cache") == cache_rows(reference_cache)
    assert _score(driver, tmp_path, "results") == reference_scores
    assert driver.stats.encoded == 0
    assert not (home / ".ray").exists()

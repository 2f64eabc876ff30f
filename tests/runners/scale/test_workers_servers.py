"""Several OpenAI-compatible servers at once: shards spread over them, a failed one's work moves on."""

from __future__ import annotations

import pytest

from embedboard.models.api_client import RetryPolicy
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.scale.scale_out import make_plan
from embedboard.runners.scale.workers import ServerPool, fill_cache
from embedboard.tasks.suites import get_suite
from tests.support.fake_embedding_server import TEST_KEY, FakeEmbeddingServer
from tests.support.paths import MIRROR
from tests.support.scale_helpers import cache_rows

MODEL = "text-embedding-3-small"
POLICY = RetryPolicy(max_retries=1, backoff_base_s=0.001, backoff_max_s=0.01, timeout_s=5.0)


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    with (
        FakeEmbeddingServer(api_key=TEST_KEY, lifetime_s=120) as a,
        FakeEmbeddingServer(api_key=TEST_KEY, lifetime_s=120) as b,
    ):
        yield a, b


def _driver(url: str, cache):  # noqa: ANN001, ANN202
    return load_adapter(
        get_card(MODEL),
        api_base=url,
        cache_dir=str(cache),
        show_progress=False,
        retry_policy=POLICY,
    )


def _fill(driver, tmp_path, urls):  # noqa: ANN001, ANN202
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    plan = make_plan(
        driver,
        tasks,
        data_dir=str(MIRROR),
        suite_name="smoke",
        results_root=str(tmp_path / "r"),
        workers=len(urls),
    )
    pool = ServerPool(driver.card, {"retry_policy": POLICY}, urls)
    return (
        plan,
        fill_cache(
            plan, pool.results(plan.shards), driver.cache, pool.layout, echo=lambda *_: None
        ),
        tasks,
    )


def test_two_servers_share_the_shards_and_give_the_one_server_vectors(servers, tmp_path):
    a, b = servers
    alone = _driver(a.url, tmp_path / "alone")
    reference = run_mteb_tasks(
        alone,
        get_suite("smoke").mteb_tasks(["STS16"]),
        results_root=tmp_path / "r1",
        data_dir=str(MIRROR),
        echo=lambda *_: None,
    )
    driver = _driver(a.url, tmp_path / "split")
    plan, report, tasks = _fill(driver, tmp_path, [a.url, b.url])
    assert set(report.workers) == {a.url, b.url} and all(
        w["shards"] > 0 for w in report.workers.values()
    )
    assert cache_rows(tmp_path / "split") == cache_rows(tmp_path / "alone")
    outcomes = run_mteb_tasks(
        driver, tasks, results_root=tmp_path / "r2", data_dir=str(MIRROR), echo=lambda *_: None
    )
    assert [o.main_score for o in outcomes] == [o.main_score for o in reference]
    assert driver.stats.encoded == 0


def test_a_failing_server_hands_its_shard_to_the_others(servers, tmp_path):
    a, b = servers
    b.inject("500", times=1000)
    driver = _driver(a.url, tmp_path / "cache")
    plan, report, _ = _fill(driver, tmp_path, [a.url, b.url])
    assert list(report.workers) == [a.url] and report.texts == plan.texts

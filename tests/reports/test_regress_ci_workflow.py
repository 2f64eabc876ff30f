"""The example CI workflow (.github/workflows/embedboard-regress.yml), run step by step on this machine.

The test reads the workflow's `run:` steps and runs them in order with bash, as a runner would
(job env, step env, $GITHUB_ENV carried between steps, $GITHUB_STEP_SUMMARY), on a copied
checkpoint: the tiny random BERT of tests/conftest.py, one STS task. Only the install step and
the `uses:` actions (checkout, setup-python, cache, upload) are GitHub's part and are skipped.

Run 1 gates the random checkpoint against the committed all-MiniLM-L6-v2 baseline (a repository
folder): a real regression, exit 1. Run 2 takes run 1's results as a release artifact (`gh` is a
stand-in that copies a local tarball) and gates the same checkpoint against them: exit 0 (the
embedding cache directory of run 1 is shared, as the workflow's actions/cache restores it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.support.tiny_models import write_tiny_bert

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "embedboard-regress.yml"
MINILM = (
    REPO
    / "results"
    / "sentence-transformers__all-MiniLM-L6-v2"
    / "8b3219a92973c328a8e22fadcfa821b5dc75636a"
)
FAKE_GH = """#!/usr/bin/env bash
# gh release download TAG --pattern ASSET --dir DIR, served from $FAKE_RELEASES/TAG/ASSET
set -euo pipefail
tag=$3; asset=$5; dir=$7
cp "$FAKE_RELEASES/$tag/$asset" "$dir/"
"""


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_workflow_declares_lfs_cache_and_baseline_input():
    job = _workflow()["jobs"]["regress"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["lfs"] is True
    caches = [s for s in job["steps"] if s.get("uses", "").startswith("actions/cache")]
    assert any(s["with"]["path"] == job["env"]["EMBEDBOARD_CACHE_DIR"] for s in caches)
    inputs = _workflow()[True]["workflow_dispatch"]["inputs"]  # YAML 1.1 reads the key `on` as True
    assert {"checkpoint", "baseline", "suite", "tasks"} <= set(inputs)
    assert "Runner size" in WORKFLOW.read_text(encoding="utf-8")


def _run_steps(workdir: Path, env: dict[str, str]) -> list[int]:
    """Every `run:` step but the install one, in order, with bash -eo pipefail as GitHub runs them."""
    job = _workflow()["jobs"]["regress"]
    assert set(job["env"]) <= set(env), (
        f"the test must set every job env variable: {sorted(set(job['env']) - set(env))}"
    )
    github_env = Path(env["GITHUB_ENV"])
    statuses = []
    for step in job["steps"]:
        if "run" not in step or step["name"].startswith("Install"):
            continue
        step_env = dict(env)
        step_env.update(
            {k: str(v) for k, v in (step.get("env") or {}).items() if "${{" not in str(v)}
        )
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            step_env[key] = value
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workdir,
            env=step_env,
            capture_output=True,
            text=True,
        )
        statuses.append(proc.returncode)
        if proc.returncode != 0:
            assert step["name"] == "Compare with the baseline", (
                f"{step['name']} failed:\n{proc.stdout}\n{proc.stderr}"
            )
            break
    return statuses


@pytest.mark.slow
def test_workflow_steps_gate_a_copied_checkpoint(tmp_path, mirror):
    checkpoint = write_tiny_bert(
        tmp_path / "repo" / "checkpoints" / "candidate", sentence_transformers=True
    )
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "gh").write_text(FAKE_GH)
    (fake_bin / "gh").chmod(0o755)
    base_env = {
        **os.environ,
        "PATH": f"{fake_bin}:{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CHECKPOINT": str(checkpoint),
        "POOLING": "",
        "SUITE": "smoke",
        "TASKS": "STS12",
        "DATA_DIR": str(mirror),
        "EMBEDBOARD_CACHE_DIR": str(tmp_path / "embedding-cache"),
        "CANDIDATE_RESULTS": "ci-results",
        "GH_TOKEN": "unused",
        "FAKE_RELEASES": str(tmp_path / "releases"),
        "HF_DATASETS_CACHE": str(tmp_path / "hf-datasets"),
        "HF_HOME": str(tmp_path / "hf-home"),
        "EMBEDBOARD_THREADS": "1",
    }

    # Run 1: a random checkpoint against the committed MiniLM run: a real, significant regression.
    run1 = tmp_path / "run1"
    run1.mkdir()
    env1 = {
        **base_env,
        "BASELINE": str(MINILM),
        "GITHUB_ENV": str(run1 / "env"),
        "GITHUB_STEP_SUMMARY": str(run1 / "summary.md"),
    }
    (run1 / "env").touch()
    saved_umask = os.umask(0o022)
    try:
        assert _run_steps(run1, env1) == [0, 0, 0, 1]
    finally:
        os.umask(saved_umask)
    # Every file the run wrote (results, run records, items, model_meta.json, the report) is world-readable, as mteb's own.
    written = [p for p in [*(run1 / "ci-results").rglob("*"), run1 / "regress.md"] if p.is_file()]
    assert len(written) >= 4 and all(p.stat().st_mode & 0o777 == 0o644 for p in written), [
        oct(p.stat().st_mode) for p in written
    ]
    summary = (run1 / "summary.md").read_text()
    assert summary.startswith("## embedboard regress: REGRESSION") and "STS12" in summary
    candidate = next((run1 / "ci-results").glob("*/*/STS12.json")).parent

    # Run 2: run 1's results as a release artifact: the same checkpoint passes.
    (tmp_path / "releases" / "v1").mkdir(parents=True)
    with tarfile.open(tmp_path / "releases" / "v1" / "baseline.tar.gz", "w:gz") as tar:
        tar.add(candidate, arcname=f"{candidate.parent.name}/{candidate.name}")
    run2 = tmp_path / "run2"
    run2.mkdir()
    env2 = {
        **base_env,
        "BASELINE": "release:v1/baseline.tar.gz",
        "GITHUB_ENV": str(run2 / "env"),
        "GITHUB_STEP_SUMMARY": str(run2 / "summary.md"),
    }
    (run2 / "env").touch()
    assert _run_steps(run2, env2) == [0, 0, 0, 0]
    assert (run2 / "summary.md").read_text().startswith("## embedboard regress: OK")
    assert "BASELINE_DIR=baseline/" in (run2 / "env").read_text()
    shutil.rmtree(tmp_path / "repo")

"""Helpers for CLI tests: run `embedboard` as a child process, and read its one error line."""

from __future__ import annotations

import os
import subprocess
import sys


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", EMBEDBOARD_THREADS="1", PYTHONUNBUFFERED="1"
    )
    env.update(extra)
    return env


def run_child(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m embedboard.cli ARGV` exactly as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "embedboard.cli", *argv],
        env=env or child_env(),
        capture_output=True,
        text=True,
    )


def error_line(stderr: str) -> str:
    """The single `embedboard: error:` line a user-caused failure must print, and nothing else."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("embedboard: error: "), stderr
    return lines[0]

"""Helpers for CLI tests: run `embedboard` in-process or as a child, and read its one error line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from embedboard.cli.main import main


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


@pytest.fixture
def fails(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    """Run main(ARGV) in-process; assert exit 2 and exactly one error line; return that line."""

    def run(*argv: str) -> str:
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse mistakes exit from inside parse_args
            code = exit_.code
        assert code == 2, capsys.readouterr()
        return error_line(capsys.readouterr().err)

    return run


@pytest.fixture
def no_model_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the CLI gets as far as loading a model."""
    import embedboard.cli.request

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the model was loaded although a cheap check should have failed first")

    monkeypatch.setattr(embedboard.cli.request, "load_encoder", refuse)

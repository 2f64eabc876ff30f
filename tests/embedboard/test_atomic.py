"""Files embedboard writes are readable as the umask allows, like mteb's own (0644 under umask 022)."""

from __future__ import annotations

import os
import stat

import pytest

from embedboard.atomic import atomic_write_json, atomic_write_text
from embedboard.cli.report import main
from tests.reports.test_mrl import build_mrl_results


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask():
    """Set a umask for the test and restore the caller's after it."""
    saved = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_follow_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    atomic_write_text(tmp_path / "a.txt", "x")
    atomic_write_json(tmp_path / "sub" / "b.json", {"x": 1})
    assert _mode(tmp_path / "a.txt") == expected
    assert _mode(tmp_path / "sub" / "b.json") == expected
    assert not list(tmp_path.rglob(".*.tmp"))


def test_a_rewritten_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "README.md"
    target.write_text("old")
    target.chmod(0o664)
    atomic_write_text(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o664


def test_reports_and_plots_are_readable_by_others(tmp_path, umask):
    umask(0o022)
    root = build_mrl_results(tmp_path / "results")
    out = tmp_path / "mrl"
    assert (
        main(
            [
                "report",
                "--mrl",
                "--results",
                str(root),
                "--model",
                "org/tiny-mrl",
                "--suite",
                "smoke",
                "--out-dir",
                str(out),
            ]
        )
        == 0
    )
    html = tmp_path / "board.html"
    assert main(["report", "--suite", "smoke", "--results", str(root), "--output", str(html)]) == 0
    for path in [*out.iterdir(), html]:
        assert _mode(path) == 0o644, path

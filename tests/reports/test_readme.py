"""README sections between embedboard markers regenerate in place, idempotently."""

from __future__ import annotations

import pytest

from embedboard.cli.report import main
from embedboard.errors import EmbedboardError
from embedboard.reports.readme import marked_suites, replace_section

README = """# Project

Intro text.

<!-- embedboard:mteb-eng-v2:start -->
old table
<!-- embedboard:mteb-eng-v2:end -->

Between.

<!-- embedboard:bright:start -->
<!-- embedboard:bright:end -->

<!-- embedboard:cmteb:start -->
<!-- embedboard:cmteb:end -->
Tail.
"""


def test_suite_section_regenerates_idempotently(reference, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    args = [
        "report",
        "--suite",
        "mteb-eng-v2",
        "--results",
        str(reference),
        "--readme",
        str(readme),
    ]
    assert main(args) == 0
    first = readme.read_text()
    assert "old table" not in first
    assert "| Seed1.5-Embedding | 74.76 | 89.88 |" in first
    assert first.startswith(
        "# Project\n\nIntro text.\n\n<!-- embedboard:mteb-eng-v2:start -->\n| Model |"
    )
    assert first.endswith(
        "<!-- embedboard:bright:start -->\n<!-- embedboard:bright:end -->\n\n"
        "<!-- embedboard:cmteb:start -->\n<!-- embedboard:cmteb:end -->\nTail.\n"
    )
    mtime = readme.stat().st_mtime_ns
    assert main(args) == 0
    assert readme.read_text() == first
    assert readme.stat().st_mtime_ns == mtime  # unchanged text is not rewritten


def test_all_marked(reference, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    args = ["report", "--readme", str(readme), "--all-marked", "--results", str(reference)]
    assert main(args) == 0
    text = readme.read_text()
    assert "| Seed1.5-Embedding | 74.76 |" in text and "| Seed1.5-Embedding | 27.2 | 34.8 |" in text
    # ../shared/reference holds Seed1.5-Embedding's Cmnli and Ocnli only: a C-MTEB row without an AVG.
    assert "| Seed1.5-Embedding | n/a (29 of 31 missing) |" in text and "| 84.43 |" in text
    assert main(args) == 0 and readme.read_text() == text


def test_missing_markers_are_clear_errors(tmp_path, reference, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# nothing marked\n")
    assert (
        main(["report", "--suite", "bright", "--results", str(reference), "--readme", str(readme)])
        == 2
    )
    err = capsys.readouterr().err
    assert "<!-- embedboard:bright:start -->" in err and "<!-- embedboard:bright:end -->" in err
    with pytest.raises(EmbedboardError, match="end marker"):
        replace_section("<!-- embedboard:x:end -->\n<!-- embedboard:x:start -->", "x", "body")
    with pytest.raises(EmbedboardError, match="more than one"):
        replace_section("<!-- embedboard:x:start --><!-- embedboard:x:end -->" * 2, "x", "body")
    assert marked_suites(README) == ["mteb-eng-v2", "bright", "cmteb"]

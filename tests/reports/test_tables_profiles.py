"""Table profiles: per-task metric overrides from leaderboards.yaml, named in the table's footnote."""

from __future__ import annotations

import subprocess
import sys

import pytest

from embedboard.cli.report import main
from embedboard.errors import EmbedboardError
from embedboard.reports.loading import discover
from embedboard.reports.suites import resolve_suite
from embedboard.reports.tables import details, leaderboard, model_entries


def test_cmteb_legacy_regenerates_seeds_card_pair_classification(reference, capsys):
    """Seed1.5-Embedding's card prints C-MTEB Pair Classification 89.57: mean max_ap of Cmnli and Ocnli."""
    seed = reference / "ByteDance-Seed__Seed1.5-Embedding" / "4"
    assert (
        main(["report", "--suite", "cmteb", "--profile", "cmteb-legacy", "--results", str(seed)])
        == 0
    )
    legacy = capsys.readouterr().out
    assert main(["report", "--suite", "cmteb", "--results", str(seed)]) == 0
    default = capsys.readouterr().out
    assert "| 89.57 |" in legacy and "| 84.43 |" not in legacy
    assert "| 84.43 |" in default and "| 89.57 |" not in default  # mteb 2.x: max_accuracy
    assert (
        "- Profile cmteb-legacy: the old C-MTEB leaderboard's metrics" in legacy
        and "PairClassification: max_ap" in legacy
    )
    assert "Profile" not in default


def test_profile_changes_only_its_tasks(reference):
    plain, legacy = resolve_suite("cmteb"), resolve_suite("cmteb", "cmteb-legacy")
    changed = {t.name for t, u in zip(plain.tasks, legacy.tasks, strict=True) if t != u}
    assert (
        changed
        == {t.name for t in plain.tasks if t.type == "PairClassification"}
        == {"Cmnli", "Ocnli"}
    )
    entries = model_entries(discover([reference]), ["Seed1.5-Embedding"])
    rows = {r[0]: r for r in details(entries, legacy).rows}
    assert rows["Cmnli"][2] == "93.06" and rows["Ocnli"][2] == "86.08"
    assert "Profile cmteb-legacy" in " ".join(leaderboard(entries, legacy).notes)


def test_unknown_profile_is_one_line_naming_the_known_ones(reference, capsys):
    assert (
        main(["report", "--suite", "cmteb", "--profile", "legacy", "--results", str(reference)])
        == 2
    )
    err = capsys.readouterr().err
    assert (
        err
        == "embedboard: error: Unknown profile 'legacy' for suite cmteb; its profiles: cmteb-legacy.\n"
    )
    with pytest.raises(EmbedboardError, match="no table profiles"):
        resolve_suite("smoke", "cmteb-legacy")


def test_profile_is_in_help():
    out = subprocess.run(
        [sys.executable, "-m", "embedboard.cli.report", "report", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--profile NAME" in out and "cmteb-legacy" in out


def test_profile_needs_a_suite(reference, capsys):
    assert main(["report", "--profile", "cmteb-legacy", "--results", str(reference)]) == 2
    assert "--profile needs --suite" in capsys.readouterr().err

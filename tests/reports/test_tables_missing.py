"""A missing task is named in its cell, and AVG is never a mean over a partial set unless asked."""

from __future__ import annotations

import shutil

from embedboard.cli.report import main
from embedboard.reports.loading import discover
from embedboard.reports.suites import resolve_suite
from embedboard.reports.tables import leaderboard, model_entries


def _seed_without(reference, tmp_path, *tasks):
    target = tmp_path / "ByteDance-Seed__Seed1.5-Embedding" / "4"
    shutil.copytree(reference / "ByteDance-Seed__Seed1.5-Embedding" / "4", target)
    for task in tasks:
        (target / f"{task}.json").unlink()
    return tmp_path


def test_missing_tasks_named_and_no_avg(reference, tmp_path):
    root = _seed_without(reference, tmp_path, "STS12", "STS13")
    table = leaderboard(model_entries(discover([root])), resolve_suite("mteb-eng-v2"))
    row = table.rows[0]
    headers = table.headers
    assert row[headers.index("AVG")] == "n/a (2 of 41 missing)"
    assert row[headers.index("STS")] == "missing: STS12, STS13"
    assert row[headers.index("Retrieval")] == "67.45"  # complete types still print
    assert any("STS12, STS13" in note for note in table.notes)


def test_allow_partial_marks_row(reference, tmp_path, capsys):
    root = _seed_without(reference, tmp_path, "STS12", "STS13")
    assert (
        main(["report", "--suite", "mteb-eng-v2", "--results", str(root), "--allow-partial"]) == 0
    )
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| Seed1.5"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[0] == "Seed1.5-Embedding (partial: 39/41)"
    assert cells[1].endswith("*") and cells[1] != "74.76*"
    assert cells[7].startswith("8") and "(missing: STS12, STS13)" in cells[7]
    assert "--allow-partial" in out


def test_full_rows_sort_above_partial_ones(reference, tmp_path):
    root = _seed_without(reference, tmp_path, "STS12")
    shutil.copytree(reference / "nvidia__NV-Embed-v2", tmp_path / "nvidia__NV-Embed-v2")
    table = leaderboard(
        model_entries(discover([root])), resolve_suite("mteb-eng-v2"), allow_partial=True
    )
    assert [r[0] for r in table.rows] == ["NV-Embed-v2", "Seed1.5-Embedding (partial: 40/41)"]


def test_bright_missing_domains(tmp_path):
    from tests.support.result_files import write_task_result

    folder = tmp_path / "org__ours" / "rev"
    write_task_result(
        folder,
        "BrightRetrieval",
        0.0,
        metric="ndcg_at_10",
        split="standard",
        subsets={"pony": 0.1234, "biology": 0.2},
        version="2.26.24",
    )
    table = leaderboard(model_entries(discover([tmp_path])), resolve_suite("bright"))
    row = dict(zip(table.headers, table.rows[0], strict=True))
    assert row["Pony"] == "12.3" and row["Bio."] == "20.0" and row["AoPS"] == "missing: aops"
    assert row["AVG"] == "n/a (10 of 12 missing)"
    partial = dict(
        zip(
            table.headers,
            leaderboard(model_entries(discover([tmp_path])), resolve_suite("bright"), True).rows[0],
            strict=True,
        )
    )
    assert partial["AVG"] == "16.2*"

"""The HTML leaderboard's extra columns: mteb's Borda rank and Mean (TaskType), model facts, hover lists;
and two revisions of one model never sharing a row silently."""

from __future__ import annotations

import shutil

import polars as pl
import pytest
from mteb.benchmarks._create_table import _borda_rank_from_long

from embedboard.cli.report import main
from embedboard.reports.borda import borda_ranks
from embedboard.reports.loading import discover
from embedboard.reports.render import render
from embedboard.reports.suites import resolve_suite
from embedboard.reports.tables import leaderboard, model_entries, units
from tests.support.result_files import write_task_result


def _extended(reference):
    entries = model_entries(discover([reference]))
    return entries, leaderboard(entries, resolve_suite("mteb-eng-v2"), extended=True)


def test_borda_rank_matches_mtebs_own(reference):
    entries, table = _extended(reference)
    suite = resolve_suite("mteb-eng-v2")
    scored = [e for e in entries if any(s is not None for _, _, s in units(e, suite))]
    per_model = [{name: score for _, name, score in units(e, suite)} for e in scored]
    long = pl.DataFrame(
        [
            {"model_name": e.label, "task_name": t, "score": s}
            for e, row in zip(scored, per_model, strict=True)
            for t, s in row.items()
            if s is not None
        ]
    )
    theirs = dict(_borda_rank_from_long(long, n_models=len(scored)).iter_rows())
    ours = dict(zip([e.label for e in scored], borda_ranks(per_model), strict=True))
    assert ours == theirs
    assert [row[:2] for row in table.rows] == [
        ["1", "Seed1.5-Embedding"],
        ["2", "jasper_en_vision_language_v1"],
        ["3", "NV-Embed-v2"],
        ["4", "Linq-Embed-Mistral"],
    ]


def test_borda_ties_and_missing_tasks():
    # A and B tie on t1 (2.5 points each of n=3... rank 1.5 -> 1.5 points); C has no t2 (0 points there).
    rows = [{"t1": 0.9, "t2": 0.5}, {"t1": 0.9, "t2": 0.4}, {"t1": 0.1, "t2": None}]
    assert borda_ranks(rows) == [1, 2, 3]
    assert borda_ranks([{"t": 0.5}, {"t": 0.5}]) == [1, 1]


def test_mean_over_task_types_reorders_linq_and_nv_embed(reference):
    _, table = _extended(reference)
    header = table.headers
    assert header[:4] == ["Rank (Borda)", "Model", "AVG", "Mean (TaskType)"]
    assert header[-5:] == ["Params (M)", "Emb. dim", "Max tokens", "Revision", "Date"]
    rows = {row[1]: row for row in table.rows}
    nv, linq = rows["NV-Embed-v2"], rows["Linq-Embed-Mistral"]
    assert (nv[2], linq[2]) == ("69.81", "69.80")  # AVG over tasks: NV-Embed-v2 first
    assert (nv[3], linq[3]) == (
        "65.00",
        "65.29",
    )  # mean over types: Linq-Embed-Mistral first (as mteb's leaderboard)
    assert nv[-5:] == ["7,850", "4,096", "32,768", "7604d305, external", "2024-09-09"]


def test_html_links_hover_lists_and_sticky_header(reference, tmp_path):
    model = tmp_path / "sentence-transformers__all-MiniLM-L6-v2" / "rev1"
    write_task_result(model, "STS12", 0.7, metric="cosine_spearman")
    entries = model_entries(discover([reference, tmp_path]))
    page = render([leaderboard(entries, resolve_suite("mteb-eng-v2"), extended=True)], "html", "t")
    assert (
        '<a href="https://huggingface.co/nvidia/NV-Embed-v2" rel="noopener">NV-Embed-v2</a>' in page
    )
    # A model with missing tasks: short cells, the full list on hover.
    assert ">40 missing</td>" in page and 'title="missing 40: ArguAna, ' in page
    assert 'title="missing 7: STS14' in page or 'title="missing 8: ' in page
    assert (
        "all-MiniLM-L6-v2: missing 40: hover its cells for the names." in page
    )  # no long lists in the footnotes either
    assert "position: sticky" in page
    # The Markdown table keeps the model-card layout and its long missing lists.
    markdown = render([leaderboard(entries, resolve_suite("mteb-eng-v2"))], "md", "t")
    assert markdown.startswith("| Model | AVG | Classification |") and "missing: " in markdown


def test_two_revisions_with_the_same_task_get_two_rows(reference, tmp_path, capsys):
    """Issue 12: revisions holding the same task are two measurements (maybe two checkpoints): two rows, labelled."""
    model = tmp_path / "nvidia__NV-Embed-v2"
    shutil.copytree(reference / "nvidia__NV-Embed-v2", model)
    write_task_result(
        model / "7604d305b621f14095a1aa23d351674c2859553a", "ArguAna", 0.5, metric="ndcg_at_10"
    )
    assert main(["report", "--suite", "mteb-eng-v2", "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "| NV-Embed-v2 @ 7604d305 | n/a (19 of 41 missing) |" in out
    assert "| NV-Embed-v2 @ external | n/a (21 of 41 missing) |" in out
    assert "| NV-Embed-v2 |" not in out
    assert (
        out.count(
            "- NV-Embed-v2: revisions 7604d305, external both hold ArguAna: one row per revision, never merged"
        )
        == 1
    )


def test_revisions_holding_different_tasks_merge_with_a_footnote(reference, capsys):
    """mteb's official files split one model over revision folders: one row, and the note says so."""
    assert main(["report", "--suite", "mteb-eng-v2", "--results", str(reference)]) == 0
    out = capsys.readouterr().out
    assert "| NV-Embed-v2 | 69.81 |" in out
    assert (
        "- NV-Embed-v2: one row from 2 revision folders holding different tasks: 7604d305 (21 tasks), external (20 tasks)."
        in out
    )


def test_html_page_always_has_the_per_task_table(reference, tmp_path):
    page = tmp_path / "board.html"
    assert (
        main(
            ["report", "--suite", "mteb-eng-v2", "--results", str(reference), "--output", str(page)]
        )
        == 0
    )
    text = page.read_text(encoding="utf-8")
    assert (
        text.count('<table class="embedboard">') == 2 and "MTEB(eng, v2): per-task scores" in text
    )
    assert '<th scope="col">Rank (Borda)</th>' in text


@pytest.mark.slow
def test_rank_and_means_equal_mtebs_own_leaderboard_table(reference):
    """mteb 2.26's leaderboard builder on the same official files: same Borda rank, Mean (Task), Mean (TaskType)."""
    import mteb
    from mteb.cache import ResultCache

    benchmark = mteb.get_benchmark("MTEB(eng, v2)")
    names = [
        "nvidia/NV-Embed-v2",
        "Linq-AI-Research/Linq-Embed-Mistral",
        "ByteDance-Seed/Seed1.5-Embedding",
        "NovaSearch/jasper_en_vision_language_v1",
    ]
    results = ResultCache(cache_path=reference.parent).load_results(
        tasks=benchmark.tasks, models=names, require_model_meta=False
    )
    theirs = benchmark._create_summary_table(
        results.join_revisions()._to_results_df(benchmark.tasks)
    ).df
    expected = [
        [str(rank), model.split("/", 1)[-1], f"{100 * task_mean:.2f}", f"{100 * type_mean:.2f}"]
        for rank, model, task_mean, type_mean in theirs.select(
            "Rank (Borda)", "Model", "Mean (Task)", "Mean (TaskType)"
        ).iter_rows()
    ]
    entries = model_entries(discover([reference]), names)
    ours = leaderboard(entries, resolve_suite("mteb-eng-v2"), extended=True)
    assert [row[:4] for row in ours.rows] == expected

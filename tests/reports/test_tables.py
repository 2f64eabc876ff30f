"""Acceptance: the leaderboard rows Seed1.5-Embedding's card publishes, from mteb's official files."""

from __future__ import annotations

import csv
import io
import re

from embedboard.cli.report import main
from embedboard.reports.loading import discover
from embedboard.reports.render import render
from embedboard.reports.suites import resolve_suite
from embedboard.reports.tables import details, leaderboard, model_entries

ENG_V2_ROWS = """\
| Seed1.5-Embedding | 74.76 | 89.88 | 60.83 | 87.39 | 50.67 | 67.45 | 87.23 | 36.44 |
| jasper_en_vision_language_v1 | 71.41 | 90.27 | 60.52 | 88.14 | 50.00 | 56.05 | 84.37 | 37.19 |
| NV-Embed-v2 | 69.81 | 87.19 | 47.66 | 88.69 | 49.61 | 62.84 | 83.82 | 35.21 |
| Linq-Embed-Mistral | 69.80 | 83.00 | 54.07 | 88.44 | 49.44 | 60.14 | 84.69 | 37.26 |
"""
SEED_BRIGHT = "| Seed1.5-Embedding | 27.2 | 34.8 | 46.9 | 23.4 | 31.6 | 19.1 | 25.4 | 21.0 | 43.2 | 4.9 | 12.2 | 33.3 | 30.5 |"


def _table_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_mteb_eng_v2_rows_digit_for_digit(reference, capsys):
    assert main(["report", "--suite", "mteb-eng-v2", "--results", str(reference)]) == 0
    lines = _table_lines(capsys.readouterr().out)
    assert (
        lines[0]
        == "| Model | AVG | Classification | Clustering | Pair Classification | Reranking | Retrieval | STS | Summarization |"
    )
    assert "\n".join(lines[2:]) + "\n" == ENG_V2_ROWS


def test_seed_bright_row_from_brightretrieval_json(reference, capsys):
    folder = reference / "ByteDance-Seed__Seed1.5-Embedding" / "4"
    assert main(["report", "--suite", "bright", "--results", str(folder)]) == 0
    lines = _table_lines(capsys.readouterr().out)
    assert (
        lines[0]
        == "| Model | AVG | Bio. | Earth. | Econ. | Psy. | Rob. | Stack. | Sus. | Leet. | Pony | AoPS | TheoQ. | TheoT. |"
    )
    assert lines[2:] == [SEED_BRIGHT]


def test_old_mteb_1x_bright_file_loads(reference):
    """gte-Qwen2's BrightRetrieval.json is an mteb 1.12 file that also holds the `long` split."""
    entries = model_entries(discover([reference]), ["Alibaba-NLP/gte-Qwen2-7B-instruct"])
    table = leaderboard(entries, resolve_suite("bright"))
    assert table.rows[0][0] == "gte-Qwen2-7B-instruct"
    assert all(re.fullmatch(r"\d+\.\d", cell) for cell in table.rows[0][1:])


def test_main_metric_comes_from_the_benchmark_not_the_file(reference):
    """Old reranking files store `map`; the benchmark's metric is map_at_1000 (an alias of it)."""
    suite = resolve_suite("mteb-eng-v2")
    assert suite.task("AskUbuntuDupQuestions").main_score == "map_at_1000"
    entries = model_entries(discover([reference]), ["nvidia/NV-Embed-v2"])
    table = details(entries, suite)
    row = next(r for r in table.rows if r[0] == "AskUbuntuDupQuestions")
    assert row[2] == "67.46"


def test_csv_and_html(reference):
    entries = model_entries(discover([reference]))
    tables = [
        leaderboard(entries, resolve_suite("mteb-eng-v2")),
        details(entries, resolve_suite("mteb-eng-v2")),
    ]
    rows = list(csv.reader(io.StringIO(render(tables[:1], "csv", "t"))))
    assert rows[0][:2] == ["Model", "AVG"] and rows[1][:2] == ["Seed1.5-Embedding", "74.76"]
    page = render(tables, "html", "embedboard: MTEB(eng, v2)")
    assert page.startswith("<!DOCTYPE html>") and page.count('<table class="embedboard">') == 2
    assert "<script>" in page and "addEventListener" in page and "data-sort=" in page
    # One self-contained file: no external scripts, styles or images.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)


def test_html_output_file(reference, tmp_path):
    out = tmp_path / "board.html"
    assert (
        main(
            [
                "report",
                "--suite",
                "bright",
                "--results",
                str(reference),
                "--output",
                str(out),
                "--details",
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert '<th scope="col">Bio.</th>' in page and "27.2" in page


def test_unknown_suite_names_closest(reference, capsys):
    assert main(["report", "--suite", "mteb-eng", "--results", str(reference)]) == 2
    assert "mteb-eng-v2" in capsys.readouterr().err


def test_bright_long_reads_the_long_split_of_brightretrieval(reference):
    entries = model_entries(discover([reference]), ["gte-Qwen2-7B-instruct"])
    table = leaderboard(entries, resolve_suite("bright-long"))
    assert table.headers[2:] == [
        "Bio.",
        "Earth.",
        "Econ.",
        "Psy.",
        "Rob.",
        "Stack.",
        "Sus.",
        "Pony",
    ]
    # recall@1, the long setting's main metric (nDCG@10 of the same file: 48.5 on average).
    assert table.rows == [
        [
            "gte-Qwen2-7B-instruct",
            "26.0",
            "34.9",
            "38.4",
            "27.7",
            "46.7",
            "10.9",
            "16.7",
            "31.3",
            "1.2",
        ]
    ]


def test_bright_long_scores_mtebs_v1_1_main_metric():
    """mteb's BRIGHT(v1.1) long tasks, like the paper, score the long setting by recall@1."""
    import mteb

    long_tasks = [t for t in mteb.get_benchmark("BRIGHT(v1.1)").tasks if "long" in t.eval_splits]
    assert len(long_tasks) == 8 and {t.metadata.main_score for t in long_tasks} == {"recall_at_1"}
    assert resolve_suite("bright-long").tasks[0].main_score == "recall_at_1"
    assert resolve_suite("bright").tasks[0].main_score == "ndcg_at_10"

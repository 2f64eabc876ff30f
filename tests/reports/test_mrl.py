"""MRL report: score-vs-dimension plots (PNG and SVG) and the drop table, from files built here."""

from __future__ import annotations

import json

import pytest

from embedboard.cli.report import main
from embedboard.errors import EmbedboardError
from embedboard.reports.loading import discover
from embedboard.reports.mrl import build_curve, drop_table, model_dims, native_dim
from embedboard.reports.suites import resolve_suite
from tests.support.result_files import write_task_result

# task -> (metric, score at 384, 128, 64) in mteb's 0..1 scale
SCORES = {
    "STSBenchmark": ("cosine_spearman", 0.82, 0.80, 0.74),
    "SICK-R": ("cosine_spearman", 0.78, 0.77, 0.70),
    "Banking77Classification": ("accuracy", 0.80, 0.76, 0.66),
    "SciFact": ("ndcg_at_10", 0.64, 0.58, 0.46),
}


def build_mrl_results(root):
    revision = root / "org__tiny-mrl" / "rev1"
    for task, (metric, *values) in SCORES.items():
        for dim, value in zip((None, 128, 64), values, strict=True):
            folder = revision if dim is None else revision / "experiments" / f"dim_{dim}"
            write_task_result(folder, task, value, metric=metric)
    (revision / "model_meta.json").write_text(
        json.dumps({"name": "org/tiny-mrl", "embed_dim": 384})
    )
    return root


def test_curve_and_drop_table(tmp_path):
    by_dim = model_dims(discover([build_mrl_results(tmp_path)]), "org/tiny-mrl")
    assert native_dim(by_dim[None]) == 384
    curve = build_curve(by_dim, resolve_suite("smoke"), 384)
    assert curve.dims == [384, 128, 64]
    assert curve.series["AVG"][384] == pytest.approx((82 + 78 + 80 + 64) / 4)
    assert curve.series["STS"][64] == pytest.approx(72.0)
    assert curve.series["Retrieval"][128] == pytest.approx(58.0)
    assert curve.coverage.startswith("4 of ")  # smoke has more tasks than these four
    table = drop_table(curve)
    assert table.headers == ["Dim", "AVG", "AVG % of full", "Classification", "Retrieval", "STS"]
    assert table.rows[0] == ["384 (full)", "76.00", "100.0%", "80.00", "64.00", "80.00"]
    assert table.rows[2] == [
        "64",
        "64.00 (-12.00)",
        "84.2%",
        "66.00 (-14.00)",
        "46.00 (-18.00)",
        "72.00 (-8.00)",
    ]


def test_cli_writes_png_svg_and_markdown(tmp_path, capsys):
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
    stem = out / "mrl_org__tiny-mrl_smoke"
    png, svg, md = stem.with_suffix(".png"), stem.with_suffix(".svg"), stem.with_suffix(".md")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert "<svg" in svg.read_text()[:2000]
    assert "| 64 | 64.00 (-12.00) | 84.2% |" in md.read_text()
    assert "| 64 | 64.00 (-12.00) | 84.2% |" in capsys.readouterr().out


def test_every_suite_with_tasks_when_no_suite_given(tmp_path):
    root = build_mrl_results(tmp_path / "results")
    assert (
        main(
            [
                "report",
                "--mrl",
                "--results",
                str(root),
                "--model",
                "tiny-mrl",
                "--out-dir",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    names = sorted(p.name for p in (tmp_path / "o").glob("*.png"))
    assert "mrl_org__tiny-mrl_smoke.png" in names and "mrl_org__tiny-mrl_mteb-eng-v2.png" in names


def test_errors(tmp_path):
    root = build_mrl_results(tmp_path / "results")
    with pytest.raises(EmbedboardError, match="No results for model"):
        model_dims(discover([root]), "org/other")
    (root / "org__tiny-mrl" / "rev1" / "model_meta.json").unlink()
    with pytest.raises(EmbedboardError, match="--native-dim"):
        native_dim(model_dims(discover([root]), "org/tiny-mrl")[None])
    assert native_dim([], 384) == 384


def test_plots_are_byte_reproducible(tmp_path):
    """`report --mrl --out-dir docs/mrl` twice must not rewrite the committed files (no dates, no random ids)."""
    root = build_mrl_results(tmp_path / "results")
    outputs = []
    for name in ("a", "b"):
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
                    str(tmp_path / name),
                ]
            )
            == 0
        )
        outputs.append({p.name: p.read_bytes() for p in (tmp_path / name).iterdir()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 3
    svg = outputs[0]["mrl_org__tiny-mrl_smoke.svg"].decode()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def _lines(fig):
    abs_ax, pct_ax = fig.axes
    return abs_ax, pct_ax, {line.get_label(): line for line in abs_ax.get_lines()}


def test_plot_axes_from_fixed_bases_and_counts_in_the_legend(tmp_path):
    from embedboard.reports.mrl_plot import draw

    by_dim = model_dims(discover([build_mrl_results(tmp_path)]), "org/tiny-mrl")
    fig = draw(build_curve(by_dim, resolve_suite("smoke"), 384))
    abs_ax, pct_ax, lines = _lines(fig)
    assert abs_ax.get_ylim() == (0.0, 100.0)  # a 2-point drop is not drawn as a cliff
    assert pct_ax.get_ylim()[0] <= 80.0 and "% of the full-dim (384) score" in pct_ax.get_ylabel()
    assert set(lines) == {
        "AVG (4 tasks)",
        "STS (2 tasks)",
        "Classification (1 task)",
        "Retrieval (1 task)",
    }
    assert [t.get_text() for t in pct_ax.get_legend().get_texts()][-1] == "AVG (4 tasks)"


def test_a_one_type_suite_keeps_its_line_visible_under_avg(tmp_path):
    from embedboard.reports.mrl_plot import draw

    root = build_mrl_results(tmp_path)
    by_dim = model_dims(discover([root]), "org/tiny-mrl")
    for folder in [f for dim in by_dim.values() for f in dim]:
        for task in ("Banking77Classification", "SciFact"):
            folder.tasks.pop(task, None)
    curve = build_curve(by_dim, resolve_suite("smoke"), 384)
    assert set(curve.series) == {"AVG", "STS"} and curve.series["AVG"] == curve.series["STS"]
    _, _, lines = _lines(draw(curve))
    avg, sts = lines["AVG (2 tasks, = STS)"], lines["STS (2 tasks)"]
    # Same points: the type is drawn wider and solid, AVG dashed and narrower on top, so both show.
    assert (
        sts.get_linewidth() > avg.get_linewidth()
        and avg.get_linestyle() == "--"
        and sts.get_linestyle() == "-"
    )
    assert sts.get_marker() not in ("", "None") and avg.get_zorder() > sts.get_zorder()

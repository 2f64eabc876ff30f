"""Regression gate on real official results, on synthetic items, and on our committed smoke results."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from embedboard.cli.report import main
from embedboard.reports.regress import Thresholds, compare
from embedboard.reports.suites import resolve_suite
from tests.support.result_files import write_items, write_task_result

REPO = Path(__file__).resolve().parents[2]
OURS = (
    REPO
    / "results"
    / "sentence-transformers__all-MiniLM-L6-v2"
    / "8b3219a92973c328a8e22fadcfa821b5dc75636a"
)


def test_official_nv_embed_vs_seed(reference, capsys):
    nv, seed = reference / "nvidia__NV-Embed-v2", reference / "ByteDance-Seed__Seed1.5-Embedding"
    assert (
        main(["regress", "--baseline", str(nv), "--candidate", str(seed), "--suite", "mteb-eng-v2"])
        == 1
    )
    out = capsys.readouterr().out
    assert out.startswith("## embedboard regress: REGRESSION")
    assert "| **AVG** | 41 | **69.81** | **74.76** | **+4.95** |" in out
    assert "| Clustering | 8 | 47.66 | 60.83 | +13.16 |" in out
    assert "| BIOSSES | STS | 87.42 | 83.50 | -3.92 | – | – | **REGRESSION** |" in out
    assert "no per-item scores on either side" in out
    # the other way round AVG itself drops
    assert (
        main(["regress", "--baseline", str(seed), "--candidate", str(nv), "--suite", "mteb-eng-v2"])
        == 1
    )
    assert "AVG dropped 4.95 > 0.3" in capsys.readouterr().out


def test_official_against_itself_passes(reference, capsys):
    seed = reference / "ByteDance-Seed__Seed1.5-Embedding" / "4"
    assert main(["regress", "--baseline", str(seed), "--candidate", str(seed)]) == 0
    out = capsys.readouterr().out
    # Every task file the folder holds is compared (44 since Cmnli and Ocnli joined the reference).
    n_tasks = len([p for p in seed.glob("*.json") if p.name != "model_meta.json"])
    assert n_tasks >= 44
    assert out.startswith("## embedboard regress: OK") and f"| **AVG** | {n_tasks} |" in out


def test_missing_task_is_an_error(reference, tmp_path, capsys):
    seed = reference / "ByteDance-Seed__Seed1.5-Embedding" / "4"
    partial = tmp_path / "org__x" / "rev"
    shutil.copytree(seed, partial)
    (partial / "STS12.json").unlink()
    assert main(["regress", "--baseline", str(seed), "--candidate", str(partial)]) == 2
    assert "missing from the candidate" in capsys.readouterr().err
    assert (
        main(
            [
                "regress",
                "--baseline",
                str(partial),
                "--candidate",
                str(seed),
                "--suite",
                "mteb-eng-v2",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "missing from the baseline" in err and "STS12" in err


def _synthetic(tmp_path, shift_a: float, shift_b: float, noise: float = 0.0):
    """Two tasks with per-query items; task A's queries move by shift_a, task B's by shift_b."""
    rng = np.random.default_rng(0)
    base, cand = tmp_path / "org__m" / "base", tmp_path / "org__m" / "cand"
    for task, shift in (("SciFact", shift_a), ("NFCorpus", shift_b)):
        scores = rng.beta(2, 3, size=300)
        jitter = rng.normal(0, noise, size=300)
        moved = scores + shift + (jitter - jitter.mean())  # mean change exactly `shift`
        for folder, values in ((base, scores), (cand, moved)):
            write_task_result(folder, task, float(values.mean()), metric="ndcg_at_10")
            write_items(
                folder,
                task,
                [
                    {
                        "split": "test",
                        "subset": "default",
                        "id": str(i),
                        "metric": "ndcg_at_10",
                        "score": float(v),
                    }
                    for i, v in enumerate(values)
                ],
            )
    return base, cand


def test_significant_drop_regresses(tmp_path):
    base, cand = _synthetic(tmp_path, -0.03, 0.0)
    comparison = compare(base, cand, thresholds=Thresholds(max_avg_drop=5.0, max_task_drop=1.0))
    rows = {r.name: r for r in comparison.tasks}
    assert rows["SciFact"].significant_drop and rows["SciFact"].regressed
    assert rows["SciFact"].delta == pytest.approx(rows["SciFact"].test.delta)
    assert not rows["NFCorpus"].regressed and comparison.regressed
    assert (
        main(["regress", "--baseline", str(base), "--candidate", str(cand), "--max-avg-drop", "5"])
        == 1
    )


def test_noise_level_drop_is_not_a_regression(tmp_path, capsys):
    # a 1.2-point mean drop buried in per-query noise of sd 0.3: over the threshold, yet not significant
    base, cand = _synthetic(tmp_path, -0.012, 0.012, noise=0.3)
    comparison = compare(base, cand, thresholds=Thresholds(max_avg_drop=5.0, max_task_drop=0.5))
    row = {r.name: r for r in comparison.tasks}["SciFact"]
    assert (
        row.delta == pytest.approx(-1.2)
        and row.test is not None
        and not row.significant_drop
        and not row.regressed
    )
    assert (
        main(
            [
                "regress",
                "--baseline",
                str(base),
                "--candidate",
                str(cand),
                "--max-avg-drop",
                "5",
                "--max-task-drop",
                "0.5",
            ]
        )
        == 0
    )
    assert "| n.s. |" in capsys.readouterr().out


def test_missing_items_on_one_side_are_reported(tmp_path, capsys):
    base, cand = _synthetic(tmp_path, -0.03, 0.0)
    (cand / "embedboard" / "items" / "NFCorpus.jsonl").unlink()
    assert (
        main(["regress", "--baseline", str(base), "--candidate", str(cand), "--max-avg-drop", "5"])
        == 1
    )
    assert "no per-item scores on the candidate: NFCorpus" in capsys.readouterr().out


@pytest.mark.skipif(not OURS.is_dir(), reason=f"our smoke results are not committed yet ({OURS})")
def test_our_smoke_results_dim128_regresses_against_native(capsys):
    """all-MiniLM-L6-v2 is no MRL model: cut to 128 dims it must fail the gate, with significant drops."""
    dim128 = OURS / "experiments" / "embed_dim_128"
    assert main(["regress", "--baseline", str(OURS), "--candidate", str(dim128)]) == 1
    out = capsys.readouterr().out
    assert "**REGRESSION** ▼" in out  # at least one task drop is significant by the bootstrap
    assert main(["regress", "--baseline", str(OURS), "--candidate", str(OURS)]) == 0
    assert "## embedboard regress: OK" in capsys.readouterr().out
    smoke = {path.stem for path in OURS.glob("*.json")} >= {
        t.name for t in resolve_suite("smoke").tasks
    }
    if smoke:  # the committed baseline covers the whole smoke suite, as the CI workflow needs
        assert (
            main(
                ["regress", "--baseline", str(OURS), "--candidate", str(dim128), "--suite", "smoke"]
            )
            == 1
        )

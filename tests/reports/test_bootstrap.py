"""Paired bootstrap: a real drop is significant, a noise-level change is not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from embedboard.errors import EmbedboardError
from embedboard.reports.bootstrap import ItemsMismatch, load_items, paired_bootstrap
from tests.support.result_files import write_items


def _query_items(folder, scores, subset="default"):
    rows = [
        {
            "split": "test",
            "subset": subset,
            "id": f"q{i}",
            "metric": "ndcg_at_10",
            "score": float(s),
        }
        for i, s in enumerate(scores)
    ]
    return load_items(write_items(folder, "T", rows))


def _pair_items(folder, pred, gold):
    rows = [
        {"split": "test", "subset": "default", "id": f"p{i}", "pred": float(p), "gold": float(g)}
        for i, (p, g) in enumerate(zip(pred, gold, strict=True))
    ]
    return load_items(write_items(folder, "T", rows))


def test_per_query_real_drop_is_significant(tmp_path):
    rng = np.random.default_rng(1)
    base = rng.beta(2, 2, size=300)
    drop = np.clip(base - 0.04 + rng.normal(0, 0.05, size=300), 0, 1)
    result = paired_bootstrap(
        _query_items(tmp_path / "a", base), _query_items(tmp_path / "b", drop), 1000, 0
    )
    assert result.delta == pytest.approx(100 * (drop.mean() - base.mean()))
    assert result.p_drop < 0.01 and result.ci_high < 0


def test_per_query_noise_is_not_significant(tmp_path):
    rng = np.random.default_rng(2)
    base = rng.beta(2, 2, size=300)
    noisy = base + rng.normal(0, 0.05, size=300)
    noisy += base.mean() - noisy.mean() + 0.001  # same mean, plus a hair
    result = paired_bootstrap(
        _query_items(tmp_path / "a", base), _query_items(tmp_path / "b", noisy), 1000, 0
    )
    assert result.p_drop > 0.3 and result.ci_low < 0 < result.ci_high


def test_sts_pairs_spearman(tmp_path):
    rng = np.random.default_rng(3)
    gold = rng.uniform(0, 5, size=400)
    good = gold + rng.normal(0, 1.0, size=400)
    worse = gold + rng.normal(0, 2.5, size=400)
    a, b = _pair_items(tmp_path / "a", good, gold), _pair_items(tmp_path / "b", worse, gold)
    result = paired_bootstrap(a, b, 500, 0)
    expected = 100 * (spearmanr(worse, gold).statistic - spearmanr(good, gold).statistic)
    assert result.delta == pytest.approx(expected)
    assert result.p_drop < 0.01
    same = paired_bootstrap(
        a, _pair_items(tmp_path / "c", good + rng.normal(0, 0.01, size=400), gold), 500, 0
    )
    assert same.p_drop > 0.05 and abs(same.delta) < 0.5


def test_same_seed_same_answer_and_strata(tmp_path):
    rng = np.random.default_rng(4)
    rows_a = [
        {"split": "test", "subset": s, "id": str(i), "metric": "m", "score": float(rng.random())}
        for s in ("x", "y")
        for i in range(50)
    ]
    rows_b = [dict(r, score=r["score"] - 0.1) for r in rows_a]
    a, b = (
        load_items(write_items(tmp_path / "a", "T", rows_a)),
        load_items(write_items(tmp_path / "b", "T", rows_b)),
    )
    assert set(a.strata) == {("test", "x"), ("test", "y")}
    first, second = paired_bootstrap(a, b, 200, 7), paired_bootstrap(a, b, 200, 7)
    assert first == second and first.delta == pytest.approx(-10.0) and first.n_items == 100


def test_mismatched_or_malformed_items(tmp_path):
    a = _query_items(tmp_path / "a", [0.1, 0.2, 0.3])
    b = _query_items(tmp_path / "b", [0.1, 0.2])
    with pytest.raises(ItemsMismatch, match="ids differ"):
        paired_bootstrap(a, b)
    bad = write_items(tmp_path / "c", "T", [{"split": "test", "id": "x"}])
    with pytest.raises(EmbedboardError, match="malformed"):
        load_items(bad)
    assert load_items(tmp_path / "none.jsonl") is None

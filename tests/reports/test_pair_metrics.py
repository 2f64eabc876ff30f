"""The bootstrap's pair-classification statistic is mteb's own metric, recomputed on each resample."""

from __future__ import annotations

import json

import mteb
import numpy as np
import pytest

from embedboard.reports.bootstrap import load_items, paired_bootstrap
from embedboard.reports.pair_metrics import FUNCTIONS, PairStatistic
from embedboard.runners.store.type_items import PAIR_SCORE_KEYS

# Folders named like real datasets load through a datasets cache of each test's own.
pytestmark = pytest.mark.usefixtures("private_datasets_cache")


def _pairs(seed: int, n: int = 300, signal: float = 0.8) -> np.ndarray:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    # rounded scores: many ties, which mteb's thresholds must never split
    columns = [
        np.round(rng.normal(size=n) + (1 if higher else -1) * signal * labels, 1)
        for _, higher in FUNCTIONS
    ]
    return np.column_stack([labels, *columns])


@pytest.mark.parametrize("metric", ["max_ap", "max_accuracy", "max_f1"])
def test_statistic_equals_mteb_on_the_full_set_and_on_resamples(metric):
    task = mteb.get_task("SprintDuplicateQuestions")
    values = _pairs(1)
    draws = np.vstack(
        [
            np.arange(len(values)),
            np.random.default_rng(2).integers(0, len(values), size=(4, len(values))),
        ]
    )
    ours = PairStatistic(values, metric)(draws)
    for row, drawn in zip(ours, draws, strict=True):
        distances = {
            key: list(values[drawn, col]) for col, (key, _) in enumerate(PAIR_SCORE_KEYS, start=1)
        }
        assert row == pytest.approx(
            task._compute_metrics(distances, values[drawn, 0].astype(int))[metric], abs=1e-12
        )


def _write(path, values: np.ndarray, metric: str = "max_ap"):  # noqa: ANN001, ANN202
    rows = [
        {
            "split": "test",
            "subset": "default",
            "id": str(i),
            "metric": metric,
            "label": int(v[0]),
            "scores": {name: float(s) for (name, _), s in zip(FUNCTIONS, v[1:], strict=True)},
        }
        for i, v in enumerate(values)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return load_items(path)


def test_paired_bootstrap_finds_a_planted_drop_and_passes_a_tie(tmp_path):
    good = _write(tmp_path / "good.jsonl", _pairs(3, signal=1.0))
    worse = _write(
        tmp_path / "worse.jsonl",
        np.column_stack([_pairs(3, signal=1.0)[:, :1], _pairs(4, signal=0.3)[:, 1:]]),
    )
    assert good.kind == "pair_classification" and good.metric == "max_ap"
    drop = paired_bootstrap(good, worse, n_resamples=300)
    assert drop.delta < -5 and drop.p_drop < 0.01 and drop.ci_high < 0
    same = paired_bootstrap(good, good, n_resamples=300)
    assert same.delta == 0 and same.p_drop == 1.0

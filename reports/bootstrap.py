"""Paired bootstrap over per-item scores: is a task's drop real or noise?

Runners write `<folder>/embedboard/items/<Task>.jsonl`, one JSON object a line, in one of two shapes:

- `{"split", "subset", "id", "metric", "score"}`: the per-query value of the task's main metric
  (e.g. retrieval ndcg_at_10, in mteb's 0..1 scale); the task statistic is their mean;
- `{"split", "subset", "id", "pred", "gold"}`: one STS pair; the statistic is Spearman(pred, gold);
- `{"split", "subset", "id", "metric", "label", "scores"}`: one pair-classification pair; the statistic
  (max_ap, max_accuracy, max_f1) is recomputed on each resample (`pair_metrics.py`).

Both sides are resampled with the same indices (paired), separately within each
(split, subset) stratum; the task statistic is the mean over strata, x100, as the task score is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from embedboard.errors import EmbedboardError
from embedboard.reports.pair_metrics import FUNCTIONS, PairStatistic
from embedboard.results_layout import items_path as items_path  # where readers find items

CHUNK = 100  # resamples computed at once: bounds memory on 10k-pair STS tasks
PAIR_CELLS = 2_000_000  # pair classification: resamples x pairs per chunk (50k-pair tasks hold ~10 MB arrays)


@dataclass
class ItemSet:
    """Per-item values of one task, per (split, subset) stratum, keyed by item id."""

    kind: str  # "metric", "pairs" (STS) or "pair_classification"
    metric: str | None
    strata: dict[tuple[str, str], dict[str, tuple[float, ...]]]
    path: Path


@dataclass(frozen=True)
class BootstrapResult:
    delta: float  # candidate - baseline, x100, from the items
    ci_low: float
    ci_high: float
    p_drop: float  # one-sided: share of resamples where the candidate is not worse
    n_items: int


class ItemsMismatch(Exception):
    """The two sides scored different items: a paired test cannot be run."""


def load_items(path: str | Path) -> ItemSet | None:
    """Read an items file; None when the runner wrote none (or wrote it empty)."""
    path = Path(path)
    if not path.is_file():
        return None
    strata: dict[tuple[str, str], dict[str, tuple[float, ...]]] = {}
    kinds, metrics = set(), set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            key = (str(row.get("split", "test")), str(row.get("subset", "default")))
            if "pred" in row:
                kinds.add("pairs")
                value: tuple[float, ...] = (float(row["pred"]), float(row["gold"]))
            elif "scores" in row:
                kinds.add("pair_classification")
                metrics.add(row.get("metric"))
                value = (
                    float(row["label"]),
                    *(float(row["scores"][name]) for name, _ in FUNCTIONS),
                )
            else:
                kinds.add("metric")
                metrics.add(row.get("metric"))
                value = (float(row["score"]),)
            strata.setdefault(key, {})[str(row["id"])] = value
        except (ValueError, KeyError, TypeError) as err:
            raise EmbedboardError(
                f"{path}:{number}: malformed item line ({err}). Re-run the task to rewrite it."
            ) from err
    if not strata:
        return None
    if len(kinds) > 1:
        raise EmbedboardError(
            f"{path} mixes item shapes ({', '.join(sorted(kinds))}); re-run the task to rewrite it."
        )
    return ItemSet(
        kind=kinds.pop(),
        metric=metrics.pop() if len(metrics) == 1 else None,
        strata=strata,
        path=path,
    )


def restrict(items: ItemSet, splits: tuple[str, ...], subsets: tuple[str, ...] | None) -> ItemSet:
    """Only the strata a task's score is computed over."""
    kept = {
        k: v
        for k, v in items.strata.items()
        if k[0] in splits and (subsets is None or k[1] in subsets)
    }
    return ItemSet(items.kind, items.metric, kept, items.path)


def _spearman_rows(pred: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Spearman per row of (resamples, n) arrays: Pearson of average ranks (ties as scipy ranks them)."""
    rp, rg = rankdata(pred, axis=1), rankdata(gold, axis=1)
    rp -= rp.mean(axis=1, keepdims=True)
    rg -= rg.mean(axis=1, keepdims=True)
    denom = np.sqrt((rp * rp).sum(axis=1) * (rg * rg).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (rp * rg).sum(axis=1) / denom, 0.0)


def _statistic(items: ItemSet, values: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The task statistic (0..1 scale) of one stratum, as a function of (resamples, n) drawn indices."""
    if items.kind == "metric":
        return lambda idx: values[idx, 0].mean(axis=1)
    if items.kind == "pair_classification":
        return PairStatistic(values, items.metric or "")
    return lambda idx: _spearman_rows(values[idx, 0], values[idx, 1])


def _aligned(base: ItemSet, cand: ItemSet) -> list[tuple[np.ndarray, np.ndarray]]:
    if base.kind != cand.kind:
        raise ItemsMismatch(f"baseline items are {base.kind}, candidate items are {cand.kind}")
    if set(base.strata) != set(cand.strata):
        raise ItemsMismatch(
            f"different splits/subsets: {sorted(base.strata)} vs {sorted(cand.strata)}"
        )
    pairs = []
    for key in sorted(base.strata):
        ids_a, ids_b = base.strata[key], cand.strata[key]
        if set(ids_a) != set(ids_b):
            raise ItemsMismatch(
                f"{key[0]}/{key[1]}: {len(set(ids_a) ^ set(ids_b))} item ids differ"
            )
        order = sorted(ids_a)
        pairs.append((np.array([ids_a[i] for i in order]), np.array([ids_b[i] for i in order])))
    return pairs


def paired_bootstrap(
    base: ItemSet, cand: ItemSet, n_resamples: int = 1000, seed: int = 0
) -> BootstrapResult:
    """Distribution of (candidate - baseline) x100 under resampling of items, paired and stratified."""
    strata = _aligned(base, cand)
    if not strata:
        raise ItemsMismatch("no items to compare")
    rng = np.random.default_rng(seed)
    deltas = np.zeros(n_resamples)
    observed = 0.0
    for values_a, values_b in strata:
        n = len(values_a)
        stat_a, stat_b = _statistic(base, values_a), _statistic(cand, values_b)
        everything = np.arange(n)[None, :]
        observed += float(stat_b(everything)[0] - stat_a(everything)[0])
        chunk = max(1, min(CHUNK, PAIR_CELLS // n)) if base.kind == "pair_classification" else CHUNK
        for start in range(0, n_resamples, chunk):
            idx = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
            deltas[start : start + len(idx)] += stat_b(idx) - stat_a(idx)
    deltas *= 100.0 / len(strata)
    observed *= 100.0 / len(strata)
    low, high = np.percentile(deltas, [2.5, 97.5])
    p_drop = (1 + int((deltas >= 0).sum())) / (n_resamples + 1)
    n_items = sum(len(a) for a, _ in strata)
    return BootstrapResult(
        delta=observed, ci_low=float(low), ci_high=float(high), p_drop=p_drop, n_items=n_items
    )

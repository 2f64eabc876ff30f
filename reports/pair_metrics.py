"""mteb's pair-classification main scores (max_ap, max_accuracy, max_f1), on bootstrap resamples.

These are set-level metrics: each is the best over five similarity functions of a value that
depends on the ranking of all pairs, so a resample is scored by recomputing it, never by
averaging per-pair numbers. A resample is given as item counts (how often each pair was
drawn); with the pairs sorted once per function, every metric is then a cumulative sum:
no sort per resample. Ties follow mteb: a threshold never splits equal scores, and average
precision is sklearn's (one step per distinct score).
"""

from __future__ import annotations

import numpy as np

# (name, higher score = more similar), in the column order items rows are stored in.
FUNCTIONS = (
    ("similarity", True),
    ("cosine", True),
    ("manhattan", False),
    ("euclidean", False),
    ("dot", True),
)
METRICS = ("max_ap", "max_accuracy", "max_f1")


class PairStatistic:
    """Score `metric` on resamples of one stratum; `values` is (n, 6): label, then FUNCTIONS' scores."""

    def __init__(self, values: np.ndarray, metric: str) -> None:
        if metric not in METRICS:
            raise ValueError(
                f"unknown pair-classification metric {metric!r}; known: {', '.join(METRICS)}"
            )
        self.metric = metric
        self.n = len(values)
        labels = values[:, 0]
        self.sorted_labels, self.orders, self.group_ends = [], [], []
        for column, (_, higher_is_similar) in enumerate(FUNCTIONS, start=1):
            keys = -values[:, column] if higher_is_similar else values[:, column]
            order = np.argsort(keys, kind="stable")
            sorted_keys = keys[order]
            self.orders.append(order)
            self.sorted_labels.append(labels[order])
            self.group_ends.append(
                np.flatnonzero(np.append(sorted_keys[1:] != sorted_keys[:-1], True))
            )

    def counts(self, idx: np.ndarray) -> np.ndarray:
        """(resamples, n) drawn indices -> (resamples, n) multiplicities."""
        rows = idx.shape[0]
        offsets = (np.arange(rows) * self.n)[:, None]
        return (
            np.bincount((idx + offsets).ravel(), minlength=rows * self.n)
            .reshape(rows, self.n)
            .astype(np.float64)
        )

    def __call__(self, idx: np.ndarray) -> np.ndarray:
        counts = self.counts(idx)
        best = np.full(len(counts), -np.inf)
        for order, labels, ends in zip(
            self.orders, self.sorted_labels, self.group_ends, strict=True
        ):
            weights = counts[:, order]
            tp = np.cumsum(weights * labels, axis=1)[:, ends]
            drawn = np.cumsum(weights, axis=1)[:, ends]
            best = np.maximum(best, self._metric(tp, drawn))
        return best

    def _metric(self, tp: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """One function's value per resample, from cumulative positives/draws at each tie group's end."""
        total = drawn[:, -1:]
        positives = tp[:, -1:]
        with np.errstate(invalid="ignore", divide="ignore"):
            precision = np.where(drawn > 0, tp / drawn, 0.0)
            if self.metric == "max_ap":
                gained = np.diff(tp, axis=1, prepend=0.0)
                return np.where(
                    positives[:, 0] > 0, (gained * precision).sum(axis=1) / positives[:, 0], 0.0
                )
            inside = (drawn > 0) & (drawn < total)  # mteb's thresholds sit between drawn rows
            if self.metric == "max_accuracy":
                negatives_left = (total - positives) - (drawn - tp)
                accuracy = np.where(inside, (tp + negatives_left) / total, 0.0)
                return accuracy.max(axis=1)
            recall = np.where(positives > 0, tp / positives, 0.0)
            f1 = np.where(inside & (tp > 0), 2 * precision * recall / (precision + recall), 0.0)
            return f1.max(axis=1)

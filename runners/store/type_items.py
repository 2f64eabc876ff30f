"""Per-item rows for Classification, PairClassification, Summarization and Clustering.

Each decomposition is one whose items rebuild mteb's own main score, so the paired bootstrap
of `embedboard regress` resamples what the score is made of:

- Classification (accuracy): one row per test item, `score` = share of mteb's experiments
  (10 logistic regressions) that predicted its gold label. Their mean is the mean accuracy.
- PairClassification (max_ap / max_accuracy / max_f1): one row per pair with its label and
  the five similarity scores mteb thresholds; a set-level metric, so the bootstrap recomputes
  it on each resample (`reports/pair_metrics.py`).
- Summarization (cosine_spearman, ...): one row per document, `score` = the Spearman/Pearson
  of that document's machine summaries, as mteb averages them.
- Clustering (v_measure): one row per clustering experiment (fast clustering: per level and
  bootstrap set; legacy: per cluster set), read from the task result: no predictions needed.

Rows of the "metric" shape are checked against mteb's aggregate before they are kept: a
decomposition that does not rebuild the score is dropped with a warning, never written.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

PAIR_SCORE_KEYS = (  # mteb's prediction key -> our name, in the order reports/pair_metrics.py reads them
    ("similarity_scores", "similarity"),
    ("cosine_scores", "cosine"),
    ("manhattan_distances", "manhattan"),
    ("euclidean_distances", "euclidean"),
    ("dot_scores", "dot"),
)
PAIR_METRICS = {"max_ap", "max_accuracy", "max_f1"}
SUMMARY_METRICS = {  # main score -> (prediction key, correlation)
    "cosine_spearman": ("cosine_scores", "spearman"),
    "cosine_pearson": ("cosine_scores", "pearson"),
    "dot_spearman": ("dot_scores", "spearman"),
    "dot_pearson": ("dot_scores", "pearson"),
    "spearman": ("similarity_scores", "spearman"),
    "pearson": ("similarity_scores", "pearson"),
}


def _no_items(task: Any, why: str) -> None:
    """An evaluation never fails for want of items: say why there are none, and regress says so too."""
    warnings.warn(
        f"{task.metadata.name}: {why}; no per-item scores written for this task.", stacklevel=3
    )


def split_data(task: Any, subset: str, split: str) -> Any:
    dataset = task.dataset
    if subset in dataset and hasattr(dataset[subset], "keys") and split in dataset[subset]:
        return dataset[subset][split]
    return dataset[split]


def _scored(predictions: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        (subset, split, value)
        for subset, by_split in predictions.items()
        if subset != "mteb_model_meta"
        for split, value in by_split.items()
    ]


def classification_items(task: Any, predictions: dict[str, Any]) -> list[dict[str, Any]]:
    if task.metadata.main_score != "accuracy":
        return []  # f1/ap are not means over items; no decomposition we can vouch for
    rows = []
    for subset, split, experiments in _scored(predictions):
        gold = list(split_data(task, subset, split)[task.label_column_name])
        predicted = np.asarray(experiments, dtype=object)  # (experiments, items)
        if predicted.ndim != 2 or predicted.shape[1] != len(
            gold
        ):  # e.g. cross-validation folds: not per test item
            _no_items(task, f"predictions of shape {predicted.shape} for {len(gold)} test items")
            return []
        correct = (predicted == np.asarray(gold, dtype=object)[None, :]).mean(axis=0)
        rows += [
            {
                "split": split,
                "subset": subset,
                "id": str(i),
                "metric": "accuracy",
                "score": float(c),
            }
            for i, c in enumerate(correct)
        ]
    return rows


def _pair_labels(task: Any, subset: str, split: str) -> list[int]:
    data = split_data(task, subset, split)
    labels = data[task.label_column_name]
    if len(data) == 1 and isinstance(labels[0], list):  # mteb v1 layout: the whole set in one row
        labels = labels[0]
    return [int(label) for label in labels]


def pair_classification_items(task: Any, predictions: dict[str, Any]) -> list[dict[str, Any]]:
    metric = task.metadata.main_score
    if metric not in PAIR_METRICS:
        return []
    rows = []
    for subset, split, distances in _scored(predictions):
        labels = _pair_labels(task, subset, split)
        columns = [distances[key] for key, _ in PAIR_SCORE_KEYS]
        if any(len(column) != len(labels) for column in columns):
            _no_items(task, f"{len(columns[0])} pair scores for {len(labels)} labels")
            return []
        for i, label in enumerate(labels):
            scores = {
                name: float(column[i])
                for (_, name), column in zip(PAIR_SCORE_KEYS, columns, strict=True)
            }
            rows.append(
                {
                    "split": split,
                    "subset": subset,
                    "id": str(i),
                    "metric": metric,
                    "label": label,
                    "scores": scores,
                }
            )
    return rows


def _document_ids(task: Any, data: Any, human_scores: list[list[float]]) -> list[str] | None:
    """Which documents mteb kept (it skips those whose scores are all equal): align by gold scores."""
    span = task.max_score - task.min_score
    gold = [[(x - task.min_score) / span for x in row] for row in data[task.relevancy_column_name]]
    names = data["id"] if "id" in data.column_names else [str(i) for i in range(len(data))]
    ids, position = [], 0
    for name, row in zip(names, gold, strict=True):
        if position < len(human_scores) and np.allclose(row, human_scores[position]):
            ids.append(str(name))
            position += 1
    return ids if position == len(human_scores) else None


def summarization_items(task: Any, predictions: dict[str, Any]) -> list[dict[str, Any]]:
    from scipy.stats import pearsonr, spearmanr

    metric = task.metadata.main_score
    if metric not in SUMMARY_METRICS:
        return []
    key, correlation = SUMMARY_METRICS[metric]
    function = spearmanr if correlation == "spearman" else pearsonr
    rows = []
    for subset, split, distances in _scored(predictions):
        human = distances["human_scores"]
        ids = _document_ids(task, split_data(task, subset, split), human)
        if ids is None:
            return []
        rows += [
            {
                "split": split,
                "subset": subset,
                "id": doc,
                "metric": metric,
                "score": float(function(gold, pred).statistic),
            }
            for doc, gold, pred in zip(ids, human, distances[key], strict=True)
        ]
    return rows


def clustering_items(task: Any, task_result: Any) -> list[dict[str, Any]]:
    """Per-experiment V-measures from the task result (fast: per level and set; legacy: per cluster set)."""
    if task.metadata.main_score != "v_measure":
        return []
    rows = []
    for split, entries in task_result.scores.items():
        for entry in entries:
            measures = entry.get("v_measures")
            if measures is None:
                return []
            flat = measures.items() if isinstance(measures, dict) else [(None, measures)]
            for level, values in flat:
                rows += [
                    {
                        "split": split,
                        "subset": entry["hf_subset"],
                        "id": f"{level}/{i}" if level is not None else str(i),
                        "metric": "v_measure",
                        "score": float(v),
                    }
                    for i, v in enumerate(values)
                ]
    return rows


def rebuilds_main_score(task: Any, task_result: Any, rows: list[dict[str, Any]]) -> bool:
    """True when each (split, subset)'s mean item score is mteb's main score there (1e-6)."""
    if not rows:
        return True
    sums: dict[tuple[str, str], list[float]] = {}
    for row in rows:
        sums.setdefault((row["split"], row["subset"]), []).append(row["score"])
    for split, entries in task_result.scores.items():
        for entry in entries:
            values = sums.pop((split, entry["hf_subset"]), None)
            if values is None or not math.isclose(
                float(np.mean(values)), float(entry["main_score"]), abs_tol=1e-6
            ):
                warnings.warn(
                    f"{task.metadata.name} {split}/{entry['hf_subset']}: per-item scores do not rebuild mteb's "
                    "main score; no items written for this task (regress falls back to the threshold).",
                    stacklevel=2,
                )
                return False
    return not sums

"""Per-item scores (one per query or pair) for the paired bootstrap of `embedboard regress`.

Computed from mteb's own saved predictions plus the task's gold data, so the items
agree with the aggregate score mteb reports; we never re-implement the evaluator.

Rows are one of
    {"split", "subset", "id", "pred", "gold"}                 STS: bootstrap recomputes Spearman
    {"split", "subset", "id", "metric", "score"}              retrieval/reranking: per-query metric;
                                                              classification: per test item; summarization:
                                                              per document; clustering: per experiment
    {"split", "subset", "id", "metric", "label", "scores"}    pair classification: bootstrap recomputes max_ap
The task type decides what is read before anything is: clustering reads only the task
result, and no type opens a predictions file it cannot use (see `type_items.py`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embedboard.runners.store import type_items

PAIR_TYPES = {"STS"}
QUERY_TYPES = {"Retrieval", "Reranking"}
PREDICTION_TYPES = {  # types whose rows come from mteb's predictions file, and how
    "Classification": type_items.classification_items,
    "PairClassification": type_items.pair_classification_items,
    "Summarization": type_items.summarization_items,
}


def _predictions(task: Any, predictions_folder: Path) -> dict[str, Any] | None:
    path = Path(predictions_folder) / f"{task.metadata.name}_predictions.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _split_data(task: Any, subset: str, split: str) -> Any:
    dataset = task.dataset
    if subset in dataset and hasattr(dataset[subset], "keys") and split in dataset[subset]:
        return dataset[subset][split]
    return dataset[split]


def _sts_items(task: Any, predictions: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for subset, by_split in predictions.items():
        if subset == "mteb_model_meta":
            continue
        for split, scores in by_split.items():
            gold = _split_data(task, subset, split)["score"]
            preds = scores["cosine_scores"]
            if len(preds) != len(gold):
                raise ValueError(
                    f"{task.metadata.name}: {len(preds)} predictions for {len(gold)} gold pairs"
                )
            rows += [
                {"split": split, "subset": subset, "id": str(i), "pred": float(p), "gold": float(g)}
                for i, (p, g) in enumerate(zip(preds, gold, strict=True))
            ]
    return rows


def _query_items(task: Any, predictions: dict[str, Any]) -> list[dict[str, Any]]:
    import pytrec_eval

    metric = task.metadata.main_score  # e.g. ndcg_at_10 / map_at_1000
    name, _, cutoff = metric.partition("_at_")
    trec_measure = {
        "ndcg": "ndcg_cut",
        "map": "map_cut",
        "recall": "recall",
        "precision": "P",
        "mrr": "recip_rank",
    }.get(name)
    if trec_measure is None:
        return []
    rows = []
    for subset, by_split in predictions.items():
        if subset == "mteb_model_meta":
            continue
        for split, run in by_split.items():
            qrels = _qrels(task, subset, split)
            if qrels is None:
                continue
            run = {qid: {did: float(s) for did, s in docs.items()} for qid, docs in run.items()}
            measure = (
                f"{trec_measure}.{cutoff}"
                if cutoff and trec_measure != "recip_rank"
                else trec_measure
            )
            per_query = pytrec_eval.RelevanceEvaluator(qrels, {measure}).evaluate(run)
            key = (
                f"{trec_measure}_{cutoff}"
                if cutoff and trec_measure != "recip_rank"
                else trec_measure
            )
            for qid in sorted(qrels):
                score = per_query.get(qid, {}).get(
                    key, 0.0
                )  # a query with no run scores 0, as mteb's mean does
                rows.append(
                    {
                        "split": split,
                        "subset": subset,
                        "id": qid,
                        "metric": metric,
                        "score": float(score),
                    }
                )
    return rows


def _qrels(task: Any, subset: str, split: str) -> dict[str, dict[str, int]] | None:
    dataset = getattr(task, "dataset", None)
    if not dataset:
        return None
    try:
        data = dataset[subset][split]
    except (KeyError, TypeError):
        return None
    relevant = data.get("relevant_docs") if isinstance(data, dict) else None
    if relevant is None:
        return None
    return {str(q): {str(d): int(r) for d, r in docs.items()} for q, docs in relevant.items()}


def extract_items(task: Any, task_result: Any, predictions_folder: Path) -> list[dict[str, Any]]:
    """Per-item rows for `task`, or [] when the task type has no per-item decomposition."""
    task_type = task.metadata.type
    if task_type == "Clustering":
        rows = type_items.clustering_items(task, task_result)
        return rows if type_items.rebuilds_main_score(task, task_result, rows) else []
    if task_type not in PAIR_TYPES | QUERY_TYPES | set(PREDICTION_TYPES):
        return []
    predictions = _predictions(task, predictions_folder)
    if predictions is None:
        return []
    if not getattr(task, "data_loaded", False):
        task.load_data()
    if task_type in PAIR_TYPES:
        return _sts_items(task, predictions)
    if task_type in PREDICTION_TYPES:
        rows = PREDICTION_TYPES[task_type](task, predictions)
        checked = [
            row for row in rows if "score" in row
        ]  # pair rows are checked by the bootstrap's own recomputation
        return rows if type_items.rebuilds_main_score(task, task_result, checked) else []
    return _query_items(task, predictions)

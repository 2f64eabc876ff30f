"""BRIGHT's metrics, computed the way official `retrievers.calculate_retrieval_metrics` does.

pytrec_eval (trec_eval) with `ndcg_cut`, `map_cut`, `recall`, `P` at 1,5,10,25,50,100
and `recip_rank`, each meaned over the queries pytrec_eval returns and rounded to 5
decimals. pytrec_eval returns a query only when it is in both the run and the qrels and
has at least one relevant document; a query in the run with no candidates scores 0.
Names follow mteb's result files (`ndcg_at_10`, `precision_at_5`, `mrr`), as in the
official BRIGHT results that mteb republishes.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytrec_eval

from embedboard.errors import EmbedboardError

K_VALUES = (1, 5, 10, 25, 50, 100)
MAIN_SCORE = "ndcg_at_10"  # the standard setting (official run.py, mteb's BRIGHT tasks)
# The long-document setting ranks whole web pages, so the BRIGHT paper reports recall@1 for it,
# and mteb's `BRIGHT(v1.1)` long tasks (Bright*LongRetrieval) take recall_at_1 as main score.
LONG_MAIN_SCORE = "recall_at_1"
ROUND_DIGITS = 5  # official and mteb both round the means to 5 decimals

_TREC_TO_NAME = {
    "ndcg_cut": "ndcg_at",
    "map_cut": "map_at",
    "recall": "recall_at",
    "P": "precision_at",
}


def main_score(long_context: bool) -> str:
    """The headline metric of a setting; every other metric stays in the result entry."""
    return LONG_MAIN_SCORE if long_context else MAIN_SCORE


def measures() -> set[str]:
    cutoffs = ",".join(str(k) for k in K_VALUES)
    return {f"{measure}.{cutoffs}" for measure in _TREC_TO_NAME} | {"recip_rank"}


def metric_names() -> list[str]:
    return [f"{name}_{k}" for name in _TREC_TO_NAME.values() for k in K_VALUES] + ["mrr"]


def _renamed(trec_scores: Mapping[str, float]) -> dict[str, float]:
    named = {"mrr": trec_scores["recip_rank"]}
    for measure, name in _TREC_TO_NAME.items():
        for k in K_VALUES:
            named[f"{name}_{k}"] = trec_scores[f"{measure}_{k}"]
    return named


def evaluate_run(
    run: Mapping[str, Mapping[str, float]], qrels: Mapping[str, Mapping[str, int]]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """(means over queries, per-query metrics) for a run `{qid: {doc_id: score}}`."""
    evaluator = pytrec_eval.RelevanceEvaluator({q: dict(d) for q, d in qrels.items()}, measures())
    per_query_trec = evaluator.evaluate(
        {q: {d: float(s) for d, s in docs.items()} for q, docs in run.items()}
    )
    if not per_query_trec:
        raise EmbedboardError(
            "No query could be scored: none has both a run entry and a relevant document in the qrels."
        )
    per_query = {qid: _renamed(scores) for qid, scores in per_query_trec.items()}
    means = {
        name: round(
            sum(scores[name] for scores in per_query.values()) / len(per_query), ROUND_DIGITS
        )
        for name in metric_names()
    }
    return means, per_query


def trec_order(doc_scores: Mapping[str, float]) -> list[tuple[str, float]]:
    """The ranking trec_eval scores: score descending, ties by document id descending."""
    return sorted(doc_scores.items(), key=lambda item: (item[1], item[0]), reverse=True)


def trec_run_lines(run: Mapping[str, Mapping[str, float]], run_name: str) -> list[str]:
    """TREC run format `qid Q0 doc rank score name`, ranked as trec_eval ranks them."""
    lines = []
    for qid, doc_scores in run.items():
        for rank, (doc_id, score) in enumerate(trec_order(doc_scores), start=1):
            lines.append(f"{qid} Q0 {doc_id} {rank} {score!r} {run_name}")
    return lines

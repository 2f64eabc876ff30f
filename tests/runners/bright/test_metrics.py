"""BRIGHT metrics against the official scoring path (pytrec_eval), on synthetic vectors (fast)."""

from __future__ import annotations

import numpy as np
import pytest
import pytrec_eval

from embedboard.runners.bright.metrics import evaluate_run, metric_names, trec_order, trec_run_lines
from embedboard.runners.bright.search import TopK, run_dict
from tests.support import bright_official as official


def _vectors(rng, n, dim=8, levels=None):
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    if levels:  # few distinct vectors -> many exactly tied scores
        vectors = vectors[rng.integers(0, levels, size=n)]
    return vectors


def test_metrics_equal_official_on_random_runs():
    rng = np.random.default_rng(0)
    queries, docs = _vectors(rng, 12, 16), _vectors(rng, 300, 16, levels=40)
    query_ids = [str(i) for i in range(12)]
    doc_ids = [f"d{i:03d}" for i in range(300)]
    excluded = {q: ["N/A"] for q in query_ids}
    excluded["3"] = ["d000", "d001", "d017"]
    qrels = {q: {doc_ids[j]: 1 for j in rng.choice(300, size=4, replace=False)} for q in query_ids}
    qrels["3"].pop("d000", None), qrels["3"].pop("d001", None), qrels["3"].pop("d017", None)
    qrels["5"] = {}  # no gold: pytrec_eval (and so official) leaves the query out of the mean

    position = {d: i for i, d in enumerate(doc_ids)}
    ranking = TopK(
        queries, [[position[d] for d in excluded[q] if d != "N/A"] for q in query_ids], top_k=1000
    )
    for start in range(0, 300, 64):
        ranking.add(docs[start : start + 64])
    means, per_query = evaluate_run(run_dict(ranking.results(), query_ids, doc_ids), qrels)

    want = official.official_metrics(queries, docs, query_ids, doc_ids, excluded, qrels)
    assert set(means) == set(metric_names()) == set(want)
    for name in means:
        assert means[name] == pytest.approx(want[name], abs=1e-9), name
    assert "5" not in per_query and len(per_query) == 11


def test_query_with_no_candidates_counts_as_zero():
    run = {"a": {"d1": 0.9}, "b": {}}
    means, per_query = evaluate_run(run, {"a": {"d1": 1}, "b": {"d1": 1}})
    assert per_query["b"]["ndcg_at_10"] == 0.0 and means["ndcg_at_10"] == 0.5


def test_trec_order_breaks_ties_by_doc_id_descending_like_pytrec_eval():
    run = {"q": {"doc9": 0.5, "doc10": 0.5, "doc2": 0.7}}
    assert [d for d, _ in trec_order(run["q"])] == ["doc2", "doc9", "doc10"]
    # pytrec_eval agrees: with doc10 relevant and tied with doc9, doc10 sits at rank 3.
    scores = pytrec_eval.RelevanceEvaluator({"q": {"doc10": 1}}, {"recip_rank"}).evaluate(run)
    assert scores["q"]["recip_rank"] == pytest.approx(1 / 3)
    lines = trec_run_lines(run, "test")
    assert lines[0] == "q Q0 doc2 1 0.7 test" and lines[2].split()[2:4] == ["doc10", "3"]

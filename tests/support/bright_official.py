"""A direct re-implementation of official BRIGHT's scoring path, as a test oracle.

xlang-ai/BRIGHT@d99e8391 `retrievers.get_scores` and `calculate_retrieval_metrics`,
restated: the full query x document cosine matrix, `excluded_ids` popped ("N/A" skipped),
a stable `sorted(..., reverse=True)[:1000]`, then pytrec_eval means rounded to 5 digits.
Deliberately naive (full matrix, Python dicts) so it shares no code with the runner.
"""

from __future__ import annotations

import numpy as np
import pytrec_eval

K_VALUES = [1, 5, 10, 25, 50, 100]


def cosine_matrix(query_vectors: np.ndarray, doc_vectors: np.ndarray) -> list[list[float]]:
    """sklearn's cosine_similarity: normalise rows, then dot products."""
    q = query_vectors / np.linalg.norm(query_vectors, axis=1, keepdims=True)
    d = doc_vectors / np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    return (q @ d.T).tolist()


def get_scores(query_ids, doc_ids, scores, excluded_ids) -> dict[str, dict[str, float]]:
    emb_scores = {}
    for query_id, doc_scores in zip(query_ids, scores, strict=True):
        cur_scores = {str(did): s for did, s in zip(doc_ids, doc_scores, strict=True)}
        for did in set(excluded_ids[str(query_id)]):
            if did != "N/A":
                cur_scores.pop(did)
        kept = sorted(cur_scores.items(), key=lambda x: x[1], reverse=True)[:1000]
        emb_scores[str(query_id)] = dict(kept)
    return emb_scores


def calculate_retrieval_metrics(results, qrels) -> dict[str, float]:
    cut = ",".join(str(k) for k in K_VALUES)
    evaluator = pytrec_eval.RelevanceEvaluator(
        qrels, {f"map_cut.{cut}", f"ndcg_cut.{cut}", f"recall.{cut}", f"P.{cut}", "recip_rank"}
    )
    scores = evaluator.evaluate(results)
    out: dict[str, float] = {}
    for k in K_VALUES:
        out[f"NDCG@{k}"] = round(sum(s[f"ndcg_cut_{k}"] for s in scores.values()) / len(scores), 5)
        out[f"MAP@{k}"] = round(sum(s[f"map_cut_{k}"] for s in scores.values()) / len(scores), 5)
        out[f"Recall@{k}"] = round(sum(s[f"recall_{k}"] for s in scores.values()) / len(scores), 5)
        out[f"P@{k}"] = round(sum(s[f"P_{k}"] for s in scores.values()) / len(scores), 5)
    out["MRR"] = round(sum(s["recip_rank"] for s in scores.values()) / len(scores), 5)
    return out


def as_embedboard_names(official: dict[str, float]) -> dict[str, float]:
    """Official metric names -> ours (mteb's)."""
    prefix = {"NDCG": "ndcg_at", "MAP": "map_at", "Recall": "recall_at", "P": "precision_at"}
    out = {"mrr": official["MRR"]}
    for name, value in official.items():
        if "@" in name:
            measure, k = name.split("@")
            out[f"{prefix[measure]}_{k}"] = value
    return out


def official_metrics(
    query_vectors, doc_vectors, query_ids, doc_ids, excluded_ids, qrels
) -> dict[str, float]:
    run = get_scores(query_ids, doc_ids, cosine_matrix(query_vectors, doc_vectors), excluded_ids)
    return as_embedboard_names(calculate_retrieval_metrics(run, qrels))

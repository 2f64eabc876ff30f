"""Exact cosine top-k over a corpus that arrives in chunks, with per-query exclusions.

Official `retrievers.get_scores` scores a query against every document, pops the
query's `excluded_ids`, and keeps `sorted(..., reverse=True)[:1000]`. Python's sort is
stable, so among equal scores the document that comes first in the corpus wins a place
at the cut. We reproduce exactly that: order by (score descending, corpus position
ascending), excluded documents never enter, and a query with fewer candidates than
`top_k` keeps all it has (an empty run if every document is excluded; pytrec_eval then
scores the query 0, as it does for official runs).

The ranking *inside* the kept list is pytrec_eval's business (score descending, then
document id descending on ties); see `metrics.trec_order`.

Memory: only one chunk of scores (queries x chunk) and the running top-k are alive at once,
so 400k-document domains never build a full query x document matrix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from embedboard.runners.mteb.topk import merge_best, window_best

TOP_K = 1000


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (cosine = dot product); all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.float32(1e-12))


class TopK:
    """Running exact top-k per query over corpus chunks fed in corpus order."""

    def __init__(
        self, query_vectors: np.ndarray, excluded: Sequence[Iterable[int]], top_k: int = TOP_K
    ) -> None:
        if len(excluded) != len(query_vectors):
            raise ValueError(f"{len(excluded)} exclusion lists for {len(query_vectors)} queries")
        self.queries = unit_rows(query_vectors)
        self.top_k = top_k
        self.excluded = [np.unique(np.asarray(list(ids), dtype=np.int64)) for ids in excluded]
        n = len(self.queries)
        self.best_scores = np.empty((n, 0), dtype=np.float32)
        self.best_index = np.empty((n, 0), dtype=np.int64)
        self.seen = 0

    def add(self, doc_vectors: np.ndarray) -> None:
        """Score the next chunk of documents (corpus positions seen .. seen + len - 1)."""
        offset, count = self.seen, len(doc_vectors)
        self.seen += count
        if count == 0:
            return
        scores = self.queries @ unit_rows(doc_vectors).T
        for row, ids in enumerate(self.excluded):
            inside = ids[(ids >= offset) & (ids < offset + count)]
            scores[row, inside - offset] = -np.inf
        # The same exact, tie-stable top-k as the generic chunked search (runners/mteb/topk.py).
        cand_scores, cand_index = window_best(scores, offset, self.top_k)
        self.best_scores, self.best_index = merge_best(
            self.best_scores, self.best_index, cand_scores, cand_index, self.top_k
        )

    def results(self) -> list[list[tuple[int, float]]]:
        """Per query, (corpus position, score) best first; excluded documents are never present."""
        out = []
        for scores, index in zip(self.best_scores, self.best_index, strict=True):
            keep = np.isfinite(scores)
            out.append(list(zip(index[keep].tolist(), scores[keep].tolist(), strict=True)))
        return out


def run_dict(
    hits: list[list[tuple[int, float]]], query_ids: Sequence[str], doc_ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    """pytrec_eval's run format `{qid: {doc_id: score}}`; every query is present, even with no hits."""
    return {
        qid: {doc_ids[position]: float(score) for position, score in query_hits}
        for qid, query_hits in zip(query_ids, hits, strict=True)
    }

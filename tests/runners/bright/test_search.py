"""Chunked top-k against the official ranking order, on synthetic vectors (fast)."""

from __future__ import annotations

import numpy as np
import pytest

from embedboard.runners.bright.search import TopK


def _brute_force(query_vectors, doc_vectors, excluded, top_k):
    """Official order: stable sort by score descending, i.e. (-score, corpus position)."""
    q = query_vectors / np.linalg.norm(query_vectors, axis=1, keepdims=True)
    d = doc_vectors / np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    out = []
    for row, scores in enumerate(q @ d.T):
        kept = [(i, float(s)) for i, s in enumerate(scores) if i not in set(excluded[row])]
        out.append(sorted(kept, key=lambda pair: pair[1], reverse=True)[:top_k])
    return out


def _vectors(rng, n, dim=8, levels=None):
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    if levels:  # few distinct vectors -> many exactly tied scores
        vectors = vectors[rng.integers(0, levels, size=n)]
    return vectors


@pytest.mark.parametrize("chunk", [1, 3, 7, 50, 1000])
@pytest.mark.parametrize("levels", [None, 4])
def test_chunked_top_k_equals_official_order(chunk, levels):
    rng = np.random.default_rng(chunk)
    queries, docs = _vectors(rng, 6), _vectors(rng, 83, levels=levels)
    excluded = [[], [0, 1, 2], list(range(0, 83, 2)), [82], list(range(83)), []]
    top_k = 10
    ranking = TopK(queries, excluded, top_k)
    for start in range(0, len(docs), chunk):
        ranking.add(docs[start : start + chunk])
    got = ranking.results()
    expected = _brute_force(queries, docs, excluded, top_k)
    assert [[i for i, _ in hits] for hits in got] == [[i for i, _ in hits] for hits in expected]
    for hits, want in zip(got, expected, strict=True):
        np.testing.assert_allclose([s for _, s in hits], [s for _, s in want], rtol=1e-6)
    assert got[4] == []  # every document excluded: an empty run, never an excluded document


def test_ties_at_the_cut_keep_the_earliest_documents():
    queries = np.array([[1.0, 0.0]], dtype=np.float32)
    docs = np.array([[0.0, 1.0]] * 3 + [[1.0, 0.0]] * 6, dtype=np.float32)  # six exact ties
    ranking = TopK(queries, [[4]], top_k=3)
    for start in range(0, len(docs), 2):
        ranking.add(docs[start : start + 2])
    assert [i for i, _ in ranking.results()[0]] == [3, 5, 6]

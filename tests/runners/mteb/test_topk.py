"""Chunked top-k equals brute force exactly, ties included, whatever the chunk sizes."""

from __future__ import annotations

import numpy as np
import pytest

from embedboard.runners.mteb.topk import VectorSpill, brute_force_topk, chunked_topk, memmap_windows


def _integer_vectors(rng: np.random.Generator, rows: int, dim: int) -> np.ndarray:
    # Small integers: every dot product is exact in float32, so ties are real ties and the
    # result cannot depend on how BLAS blocks the product.
    return rng.integers(-2, 3, size=(rows, dim)).astype(np.float32)


@pytest.mark.parametrize(
    "chunk_rows,query_block,k", [(7, 3, 5), (64, 64, 10), (1, 1, 3), (50, 4, 50), (13, 5, 80)]
)
def test_chunked_equals_brute_force_with_ties(chunk_rows: int, query_block: int, k: int) -> None:
    rng = np.random.default_rng(chunk_rows * 31 + k)
    queries = _integer_vectors(rng, 11, 4)  # dim 4 in {-2..2}: many tied scores
    corpus = _integer_vectors(rng, 60, 4)
    want_scores, want_index = brute_force_topk(queries, corpus, k)
    scores, index = chunked_topk(queries, corpus, k, chunk_rows=chunk_rows, query_block=query_block)
    assert index.shape == (11, min(k, 60))
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_array_equal(scores, want_scores)


def test_ties_go_to_the_lower_corpus_index() -> None:
    corpus = np.ones((10, 2), dtype=np.float32)  # every document scores the same
    _, index = chunked_topk(np.ones((2, 2), dtype=np.float32), corpus, 4, chunk_rows=3)
    np.testing.assert_array_equal(index, [[0, 1, 2, 3]] * 2)


def test_random_float_data_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    queries = rng.standard_normal((20, 16)).astype(np.float32)
    corpus = rng.standard_normal((500, 16)).astype(np.float32)
    want_scores, want_index = brute_force_topk(queries, corpus, 10)
    scores, index = chunked_topk(queries, corpus, 10, chunk_rows=37, query_block=6)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6, atol=1e-6)


def test_spill_round_trips_through_memmap_windows(tmp_path) -> None:
    rng = np.random.default_rng(1)
    corpus = rng.standard_normal((103, 8)).astype(np.float32)
    with VectorSpill(tmp_path / "vectors.f32", 8) as spill:
        for start in range(0, 103, 10):
            spill.append(corpus[start : start + 10])
        assert spill.rows == 103
        queries = rng.standard_normal((5, 8)).astype(np.float32)
        scores, index = chunked_topk(queries, spill.windows(chunk_rows=17), 7)
    back = np.concatenate(
        [np.array(w) for _, w in memmap_windows(tmp_path / "vectors.f32", 8, 103, 25)]
    )
    np.testing.assert_array_equal(back, corpus)
    want_scores, want_index = brute_force_topk(queries, corpus, 7)
    np.testing.assert_array_equal(index, want_index)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-6, atol=1e-6)


def test_spill_rejects_wrong_dimension(tmp_path) -> None:
    with VectorSpill(tmp_path / "v.f32", 8) as spill, pytest.raises(ValueError, match=r"\(n, 8\)"):
        spill.append(np.zeros((2, 4), dtype=np.float32))

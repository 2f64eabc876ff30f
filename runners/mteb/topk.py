"""Exact top-k retrieval over corpora larger than memory: vectors spill to disk, scores stay chunked.

Two pieces, both bounded in memory whatever the corpus size:

- `VectorSpill` appends embedding batches to a flat float32 file as they are produced
  (no list of tensors kept alive) and reads them back as read-only `np.memmap` windows,
  one window at a time, each unmapped when done, so resident memory never holds the file.
- `chunked_topk` scores a block of queries against one corpus window at a time and merges
  each window's best k into a running top-k; the largest array alive is
  `query_block x chunk_rows` scores (32 MB by default), never queries x corpus.

Ties are broken deterministically: higher score first, then the lower corpus index. That
is what a stable sort of the full score row (Python's `sorted(..., reverse=True)` over
corpus order) gives, so a chunked result equals a brute-force one exactly, whatever the
chunk size.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

DEFAULT_CHUNK_ROWS = 32_768
DEFAULT_QUERY_BLOCK = 256


class VectorSpill:
    """An append-only (rows, dim) float32 matrix in a file; rows are written once, read in windows."""

    def __init__(self, path: str | os.PathLike[str], dim: int) -> None:
        self.path = Path(path)
        self.dim = int(dim)
        self.rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "wb")  # noqa: SIM115 -- closed in close()/__exit__

    def append(self, vectors: np.ndarray) -> None:
        """Write a batch at the end of the file; the caller may drop it right after."""
        batch = np.ascontiguousarray(vectors, dtype=np.float32)
        if batch.ndim != 2 or batch.shape[1] != self.dim:
            raise ValueError(f"expected (n, {self.dim}) vectors, got {batch.shape}")
        self._file.write(batch.tobytes())
        self.rows += batch.shape[0]

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> VectorSpill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def windows(self, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, read-only memmap of up to `chunk_rows` rows), in file order."""
        if not self._file.closed:
            self._file.flush()
        yield from memmap_windows(self.path, self.dim, self.rows, chunk_rows)


def memmap_windows(
    path: str | os.PathLike[str], dim: int, rows: int, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[tuple[int, np.ndarray]]:
    """Map one window of a flat float32 file at a time; each mapping is released before the next.

    A single memmap over the whole file would leave every page it touched resident (and
    counted in RSS) until the mapping is closed; a window per chunk keeps that to one chunk.
    """
    item = np.dtype(np.float32).itemsize
    for start in range(0, rows, chunk_rows):
        count = min(chunk_rows, rows - start)
        window = np.memmap(
            path, dtype=np.float32, mode="r", offset=start * dim * item, shape=(count, dim)
        )
        try:
            yield start, window
        finally:
            window._mmap.close()  # type: ignore[attr-defined]  # unmap now, not at GC time
            del window


def window_best(scores: np.ndarray, offset: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best min(k, columns) (score, corpus index) per row of one window, ties to the lower index."""
    n_rows, n_cols = scores.shape
    if n_cols <= k:
        index = np.broadcast_to(np.arange(n_cols, dtype=np.int64), scores.shape)
        return scores.copy(), index + offset
    # The k-th best score per row; everything strictly above it is in, ties at it fill up by index.
    kth = -np.partition(-scores, k - 1, axis=1)[:, k - 1]
    above = scores > kth[:, None]
    at = scores == kth[:, None]
    # Rank tied columns by position; keep the first (k - #above) of them.
    need = k - above.sum(axis=1)
    tie_rank = np.cumsum(at, axis=1, dtype=np.int32)
    keep = above | (at & (tie_rank <= need[:, None]))
    rows, cols = np.nonzero(keep)  # row-major: exactly k per row, in column order
    cols = cols.reshape(n_rows, k)
    return np.take_along_axis(scores, cols, axis=1), cols.astype(np.int64) + offset


def merge_best(
    best_scores: np.ndarray,
    best_index: np.ndarray,
    new_scores: np.ndarray,
    new_index: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The running best k per row after adding a window's candidates: score desc, then index asc."""
    scores = np.concatenate([best_scores, new_scores], axis=1)
    index = np.concatenate([best_index, new_index], axis=1)
    order = np.lexsort((index, -scores), axis=1)[:, :k]  # score desc, then index asc
    return np.take_along_axis(scores, order, axis=1), np.take_along_axis(index, order, axis=1)


def chunked_topk(
    queries: np.ndarray,
    corpus_windows: Iterator[tuple[int, np.ndarray]] | np.ndarray,
    k: int,
    *,
    query_block: int = DEFAULT_QUERY_BLOCK,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact dot-product top-k: (scores, corpus indices), each (n_queries, min(k, corpus rows)).

    `corpus_windows` is an in-memory matrix or `VectorSpill.windows()` / `memmap_windows()`.
    Vectors should already be unit length for cosine. Rows are sorted best first.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    if isinstance(corpus_windows, np.ndarray):
        matrix = corpus_windows
        corpus_windows = (
            (s, matrix[s : s + chunk_rows]) for s in range(0, len(matrix), chunk_rows)
        )
    n = len(queries)
    best_scores = np.empty((n, 0), dtype=np.float32)
    best_index = np.empty((n, 0), dtype=np.int64)
    for offset, window in corpus_windows:
        block = np.asarray(window, dtype=np.float32)
        new_scores, new_index = [], []
        for q in range(0, n, query_block):
            scores = queries[q : q + query_block] @ block.T
            s, i = window_best(scores, offset, k)
            new_scores.append(s)
            new_index.append(i)
        del block
        best_scores, best_index = merge_best(
            best_scores, best_index, np.concatenate(new_scores), np.concatenate(new_index), k
        )
    return best_scores, best_index


def brute_force_topk(
    queries: np.ndarray, corpus: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """The reference: full score matrix, stable sort by (score desc, index asc). Small inputs only."""
    scores = np.asarray(queries, dtype=np.float32) @ np.asarray(corpus, dtype=np.float32).T
    index = np.broadcast_to(np.arange(scores.shape[1], dtype=np.int64), scores.shape)
    order = np.lexsort((index, -scores), axis=1)[:, :k]
    return np.take_along_axis(scores, order, axis=1), order.astype(np.int64)

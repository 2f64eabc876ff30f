"""A cached vector is what it claims to be (issue 12, must-have 9).

A tampered cache entry is re-encoded with a warning, never scored.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import CacheWarning, EmbeddingCache
from embedboard.models.hf_adapter import HFAdapter
from embedboard.models.protocol import TaskContext

TASK = TaskContext(name="SciFact", type="Retrieval")
TEXTS = ["the dog plays", "a cat eats food", "protein folding study", "bank money risk"]


def _adapter(folder, cache):
    card = ModelCard(name="tiny", adapter="hf", source=str(folder), pooling="mean", revision="r1")
    return HFAdapter(card, device="cpu", cache_dir=str(cache), show_progress=False)


def _tamper(cache_dir, edit):
    """Rewrite every stored vector with `edit(vector, row_index)`, keeping the stored checksums."""
    (path,) = cache_dir.glob("*.sqlite")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT key, vec FROM vectors ORDER BY key").fetchall()
        for index, (key, blob) in enumerate(rows):
            vector = edit(np.frombuffer(blob, dtype=np.float32).copy(), index)
            conn.execute(
                "UPDATE vectors SET vec = ? WHERE key = ?",
                (vector.astype(np.float32).tobytes(), key),
            )
    return len(rows)


@pytest.mark.parametrize(
    "edit",
    [
        lambda v, i: np.roll(v, 1),  # rotated
        lambda v, i: -v,  # negated
        lambda v, i: np.zeros_like(v) if i == 0 else v,  # zeroed (one entry)
        lambda v, i: v[:-1],  # wrong dimension
    ],
    ids=["rotated", "negated", "zeroed", "short"],
)
def test_tampered_cache_entries_are_reencoded_with_a_warning(tiny_bert_dir, tmp_path, edit):
    cache = tmp_path / "cache"
    expected = _adapter(tiny_bert_dir, cache).encode(TEXTS, TASK, "document")
    changed = sum(1 for _ in TEXTS)
    _tamper(cache, edit)
    adapter = _adapter(tiny_bert_dir, cache)
    with pytest.warns(CacheWarning, match="failed validation"):
        vectors = adapter.encode(TEXTS, TASK, "document")
    np.testing.assert_allclose(vectors, expected, atol=1e-6)
    assert 1 <= adapter.stats.encoded <= changed
    again = _adapter(tiny_bert_dir, cache)
    again.encode(TEXTS, TASK, "document")  # the re-encoded entries replaced the bad ones
    assert again.stats.encoded == 0


def test_rows_from_a_cache_without_checksums_are_reencoded(tiny_bert_dir, tmp_path):
    cache = tmp_path / "cache"
    expected = _adapter(tiny_bert_dir, cache).encode(TEXTS, TASK)
    (path,) = cache.glob("*.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE vectors SET checksum = NULL")
    adapter = _adapter(tiny_bert_dir, cache)
    with pytest.warns(CacheWarning, match="no checksum"):
        np.testing.assert_allclose(adapter.encode(TEXTS, TASK), expected, atol=1e-6)
    assert adapter.stats.encoded == len(TEXTS)


def test_cache_opens_a_file_from_before_checksums(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
        conn.execute(
            "INSERT INTO vectors VALUES (?, ?)", (b"k", np.ones(4, dtype=np.float32).tobytes())
        )
    cache = EmbeddingCache(tmp_path, "old")
    with pytest.warns(CacheWarning):
        assert cache.get_many([b"k"]) == {}
    cache.put_many([(b"k", np.ones(4))])
    np.testing.assert_array_equal(cache.get_many([b"k"], dim=4)[b"k"], np.ones(4))

"""Vectors are what they claim to be (issue 12, must-have 9).

A checkpoint whose middle layer changed keeps neither its revision nor its cached vectors;
a tampered cache entry is re-encoded with a warning, never scored.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from embedboard import file_hashes
from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import CacheWarning, EmbeddingCache
from embedboard.models.fingerprint import checkpoint_revision
from embedboard.models.hf_adapter import HFAdapter
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import get_card

TASK = TaskContext(name="SciFact", type="Retrieval")
TEXTS = ["the dog plays", "a cat eats food", "protein folding study", "bank money risk"]


def _big_checkpoint(folder):
    """A 6 MiB weights file: the old hash read only its first and last MiB."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    torch.manual_seed(0)
    tensors = {
        "a.first": torch.randn(1 << 18),
        "b.middle": torch.randn(1 << 18),
        "c.last": torch.randn(1 << 18),
    }
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def test_a_scaled_middle_layer_is_a_new_revision(tmp_path):
    folder = _big_checkpoint(tmp_path / "ckpt")
    before = checkpoint_revision(folder)
    weights = load_file(str(folder / "model.safetensors"))
    weights["b.middle"] = (
        weights["b.middle"] * 1.01
    )  # same shapes, same file size, same head and tail
    size = (folder / "model.safetensors").stat().st_size
    save_file(weights, str(folder / "model.safetensors"))
    assert (folder / "model.safetensors").stat().st_size == size
    assert checkpoint_revision(folder) != before


def test_a_checkpoint_is_hashed_once_and_the_memo_lives_outside_it(tmp_path, monkeypatch):
    memo = tmp_path / "memo" / "hashes.sqlite"
    monkeypatch.setenv(file_hashes.MEMO_ENV, str(memo))
    folder = _big_checkpoint(tmp_path / "ckpt")
    reads: list[str] = []
    real = file_hashes._hash_bytes
    monkeypatch.setattr(
        file_hashes, "_hash_bytes", lambda path: reads.append(path.name) or real(path)
    )
    first = checkpoint_revision(folder)
    assert sorted(reads) == ["config.json", "model.safetensors"]
    assert checkpoint_revision(folder) == first and len(reads) == 2  # the memo answered
    (folder / "config.json").write_text('{"model_type": "bert", "x": 1}')
    assert checkpoint_revision(folder) != first and reads[2:] == [
        "config.json"
    ]  # only the changed file
    assert memo.exists() and not list(folder.glob("*.sqlite*"))


def test_a_plain_checkpoints_revision_changes_with_a_middle_layer(tiny_bert_dir, tmp_path):
    """The same, end to end through the card a user's `--model <folder>` gets."""
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(tiny_bert_dir, folder)
    before = get_card(str(folder), pooling="mean").revision
    weights = load_file(str(folder / "model.safetensors"))
    name = next(k for k in weights if "layer.1.attention.self.query.weight" in k)
    weights[name] = weights[name] * 1.5
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    assert get_card(str(folder), pooling="mean").revision != before


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

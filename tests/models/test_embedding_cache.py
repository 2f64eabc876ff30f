"""The embedding cache: content addressing, query/document separation, and reuse across runs."""

from __future__ import annotations

import numpy as np

from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import EmbeddingCache, cache_namespace, entry_key
from embedboard.models.hf_adapter import HFAdapter
from embedboard.models.protocol import TaskContext

RETRIEVAL = TaskContext(name="SciFact", type="Retrieval")


def test_query_and_document_never_share_an_entry():
    same_text = "gene therapy reduces risk"
    assert entry_key("query", None, same_text) != entry_key("document", None, same_text)
    assert entry_key(None, None, same_text) != entry_key("query", None, same_text)
    assert entry_key("query", "Instruct: x\nQuery: ", same_text) != entry_key(
        "query", None, same_text
    )
    # length-prefixed parts: moving a character across the instruction/text seam changes the key
    assert entry_key("query", "ab", "c") != entry_key("query", "a", "bc")


def test_namespace_covers_what_changes_vectors():
    card = ModelCard(name="m", adapter="hf", source="x", pooling="cls", max_length=128)
    assert cache_namespace(card) != cache_namespace(card.replace(pooling="mean"))
    assert cache_namespace(card) != cache_namespace(card.replace(max_length=256))
    assert cache_namespace(card) != cache_namespace(card.replace(dtype="bf16"))
    assert cache_namespace(card) != cache_namespace(card.replace(revision="abc"))
    assert cache_namespace(card) == cache_namespace(
        card.replace(batch_size=7)
    )  # batch size does not


def test_cache_roundtrip(tmp_path):
    cache = EmbeddingCache(tmp_path, "ns")
    vec = np.arange(4, dtype=np.float32)
    cache.put_many([(b"k1", vec)])
    reopened = EmbeddingCache(tmp_path, "ns")
    np.testing.assert_array_equal(reopened.get_many([b"k1", b"k2"])[b"k1"], vec)
    assert len(reopened) == 1


def test_second_run_reencodes_nothing_and_sides_stay_apart(tiny_bert_dir, tmp_path):
    card = ModelCard(
        name="tiny",
        adapter="hf",
        source=str(tiny_bert_dir),
        pooling="mean",
        dim=32,
        instructions="e5",
    )
    texts = ["the dog runs", "protein effect", "the dog runs"]
    first = HFAdapter(card, device="cpu", cache_dir=str(tmp_path), show_progress=False)
    as_query = first.encode(texts, RETRIEVAL, "query")
    as_doc = first.encode(texts, RETRIEVAL, "document")
    assert first.stats.encoded == 4  # 2 unique texts x 2 sides
    assert not np.allclose(as_query, as_doc)  # e5: "query: " vs "passage: "

    second = HFAdapter(card, device="cpu", cache_dir=str(tmp_path), show_progress=False)
    np.testing.assert_array_equal(second.encode(texts, RETRIEVAL, "query"), as_query)
    np.testing.assert_array_equal(second.encode(texts, RETRIEVAL, "document"), as_doc)
    assert second.stats.encoded == 0 and second.stats.cache_hits == 4
    assert second.stats.instructions["SciFact:query"]["text"] == "query: "
    assert second.stats.instructions["SciFact:document"]["text"] == "passage: "

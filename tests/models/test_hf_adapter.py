"""Pooling, normalisation and batching order of the local adapters, on a tiny random BERT."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from embedboard.models.card import ModelCard
from embedboard.models.hf_adapter import HFAdapter
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import get_card, load_adapter

TASK = TaskContext(name="STS12", type="STS")
TEXTS = [
    "the dog runs",
    "a cat",
    "the bank question about money and the effect of drug risk",
    "red",
    "the dog runs",
]


def _hf_card(folder, pooling: str, **kw) -> ModelCard:
    return ModelCard(
        name="tiny", adapter="hf", source=str(folder), pooling=pooling, dim=32, max_length=64, **kw
    )


def _by_hand(folder, text: str, pooling: str) -> np.ndarray:
    """One text, no padding at all: the reference each pooling must reproduce."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    ids = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**ids).last_hidden_state[0].numpy()
    vector = {"cls": hidden[0], "mean": hidden.mean(axis=0), "last-token": hidden[-1]}[pooling]
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize("pooling", ["cls", "mean", "last-token"])
def test_pooling_matches_hand_computation_in_padded_batches(tiny_bert_dir, pooling):
    adapter = HFAdapter(
        _hf_card(tiny_bert_dir, pooling, batch_size=3), device="cpu", show_progress=False
    )
    vectors = adapter.encode(TEXTS, TASK)
    for text, vector in zip(TEXTS, vectors, strict=True):
        np.testing.assert_allclose(vector, _by_hand(tiny_bert_dir, text, pooling), atol=1e-5)


def test_vectors_are_unit_length_unless_card_says_otherwise(tiny_bert_dir):
    normalised = HFAdapter(
        _hf_card(tiny_bert_dir, "mean"), device="cpu", show_progress=False
    ).encode(TEXTS, TASK)
    np.testing.assert_allclose(np.linalg.norm(normalised, axis=1), 1.0, atol=1e-6)
    raw = HFAdapter(
        _hf_card(tiny_bert_dir, "mean", normalize=False), device="cpu", show_progress=False
    ).encode(TEXTS, TASK)
    assert not np.allclose(np.linalg.norm(raw, axis=1), 1.0)


def test_batching_and_length_sorting_keep_the_callers_order(tiny_st_dir):
    card = get_card(str(tiny_st_dir))
    assert card.adapter == "sentence-transformers" and card.pooling == "mean"
    batched = load_adapter(card.replace(batch_size=2), device="cpu", show_progress=False)
    one_by_one = load_adapter(card.replace(batch_size=1), device="cpu", show_progress=False)
    texts = [f"{'the dog runs ' * (i % 7)}cat {i}" for i in range(23)]
    together = batched.encode(texts, TASK)
    alone = np.stack([one_by_one.encode([t], TASK)[0] for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    assert batched.stats.unique_inputs == 23


def test_duplicates_are_encoded_once(tiny_bert_dir):
    adapter = HFAdapter(_hf_card(tiny_bert_dir, "cls"), device="cpu", show_progress=False)
    vectors = adapter.encode(TEXTS, TASK)
    assert adapter.stats.encoded == 4
    np.testing.assert_array_equal(vectors[0], vectors[4])


def test_plain_checkpoint_needs_a_pooling(tiny_bert_dir):
    from embedboard.errors import EmbedboardError

    with pytest.raises(EmbedboardError, match="--pooling"):
        get_card(str(tiny_bert_dir))
    assert get_card(str(tiny_bert_dir), pooling="last-token").adapter == "hf"


def test_checkpoint_revision_changes_with_the_weights(tmp_path):
    from tests.support.tiny_models import write_tiny_bert

    first = get_card(str(write_tiny_bert(tmp_path / "a")), pooling="cls").revision
    (tmp_path / "a" / "config.json").write_text((tmp_path / "a" / "config.json").read_text() + " ")
    assert get_card(str(tmp_path / "a"), pooling="cls").revision != first

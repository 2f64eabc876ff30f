"""Token-budget batching changes only which inputs share a forward pass, never a vector."""

from __future__ import annotations

import numpy as np
import pytest

from embedboard.models.card import ModelCard
from embedboard.models.protocol import TaskContext
from embedboard.models.torch_runtime import token_batches, token_budget

TASK = TaskContext(name="T", type="STS")
# Lengths from 1 word to ~60 tokens, so budgets cut batches at different places.
TEXTS = [
    " ".join(["the dog plays in the water"] * n) + f" {i}"
    for i, n in enumerate([1, 9, 2, 5, 1, 7, 3, 1, 10, 4, 2, 6])
]


def test_batches_respect_budget_and_item_cap() -> None:
    lengths = [300, 256, 256, 256, 40, 40, 40, 10, 10, 10, 10]
    batches = token_batches(lengths, budget=512, max_items=3)
    assert batches[0] == (0, 1)  # an input over the budget still gets a batch of its own
    covered = [i for start, end in batches for i in range(start, end)]
    assert covered == list(range(len(lengths)))
    for start, end in batches[1:]:
        assert end - start <= 3
        assert max(lengths[start:end]) * (end - start) <= 512
    assert token_batches([], 100, 4) == []


def test_budget_comes_from_runtime_options() -> None:
    card = ModelCard(name="m", adapter="hf", source="x", options={"runtime_token_budget": 999})
    assert token_budget(card, "cpu")[0] == 999
    assert token_budget(
        ModelCard(name="m", adapter="hf", source="x", batch_size=16, max_length=128), "cuda"
    ) == (2048, 16)


@pytest.mark.parametrize("budget,max_items", [(1, 1), (64, 4), (100_000, 1000)])
def test_hf_adapter_vectors_do_not_depend_on_the_budget(
    tiny_bert_dir, budget: int, max_items: int
) -> None:
    from embedboard.models.hf_adapter import HFAdapter

    def card(**options: int) -> ModelCard:
        return ModelCard(
            name="tiny",
            adapter="hf",
            source=str(tiny_bert_dir),
            pooling="mean",
            dim=32,
            max_length=64,
            options=options,
        )

    reference = HFAdapter(
        card(runtime_max_batch_items=1), device="cpu", show_progress=False
    ).encode(TEXTS, TASK)
    adapter = HFAdapter(
        card(runtime_token_budget=budget, runtime_max_batch_items=max_items),
        device="cpu",
        show_progress=False,
    )
    np.testing.assert_allclose(adapter.encode(TEXTS, TASK), reference, atol=2e-6)


@pytest.mark.parametrize("budget,max_items", [(1, 1), (64, 4), (100_000, 1000)])
def test_st_adapter_matches_one_plain_encode_call(tiny_st_dir, budget: int, max_items: int) -> None:
    from sentence_transformers import SentenceTransformer

    from embedboard.models.sentence_transformers_adapter import SentenceTransformerAdapter

    card = ModelCard(
        name="tiny-st",
        adapter="sentence-transformers",
        source=str(tiny_st_dir),
        dim=32,
        options={"runtime_token_budget": budget, "runtime_max_batch_items": max_items},
    )
    ours = SentenceTransformerAdapter(card, device="cpu", show_progress=False).encode(TEXTS, TASK)
    plain = SentenceTransformer(str(tiny_st_dir), device="cpu").encode(
        TEXTS, batch_size=32, normalize_embeddings=True
    )
    np.testing.assert_allclose(ours, plain, atol=2e-6)

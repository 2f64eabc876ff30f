"""fp16/bf16 on a GPU: vectors stay close to fp32 (skipped where torch sees no CUDA device).

Tolerance, per vector, against the same model in fp32: cosine >= 0.999 for fp16 and >= 0.99
for bf16 (bf16 keeps 8 mantissa bits, fp16 11). Scores from reduced precision are not held
to the fp32 paths' +-0.05; expect a few hundredths (fp16) to a few tenths (bf16) of a point.
"""

from __future__ import annotations

import numpy as np
import pytest

from embedboard.models.card import ModelCard
from embedboard.models.protocol import TaskContext

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
TASK = TaskContext(name="T", type="STS")
TEXTS = ["the dog plays in the water", "a cat eats food", "the bank gives money to the woman"] * 3


@pytest.mark.parametrize("dtype,floor", [("fp16", 0.999), ("bf16", 0.99)])
@pytest.mark.parametrize("adapter", ["hf", "sentence-transformers"])
def test_reduced_precision_vectors_track_fp32(
    tiny_bert_dir, tiny_st_dir, adapter: str, dtype: str, floor: float
) -> None:
    from embedboard.models.registry import load_adapter

    folder = tiny_bert_dir if adapter == "hf" else tiny_st_dir
    card = ModelCard(
        name="tiny", adapter=adapter, source=str(folder), pooling="mean", dim=32, max_length=64
    )
    full = load_adapter(card, device="cuda", show_progress=False).encode(TEXTS, TASK)
    reduced = load_adapter(card.replace(dtype=dtype), device="cuda", show_progress=False).encode(
        TEXTS, TASK
    )
    cosine = (
        (full * reduced).sum(axis=1)
        / np.linalg.norm(full, axis=1)
        / np.linalg.norm(reduced, axis=1)
    )
    assert cosine.min() >= floor, cosine

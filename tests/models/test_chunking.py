"""One encode-chunk planner: `EmbeddingModel.encode` and the scale-out plan cut with it alone."""

from __future__ import annotations

import numpy as np

from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.chunking import plan_chunks
from embedboard.models.embedding_cache import entry_key
from embedboard.models.protocol import ChunkedEncoder, Encoder, TaskContext
from embedboard.runners.scale.plan import Request, build_plan

TASK = TaskContext(name="T", type="STS")


class Recording(EmbeddingModel):
    """Vectors from text lengths; remembers each `embed` call's inputs."""

    def __init__(self, batch_size: int = 1) -> None:
        super().__init__(
            ModelCard(name="rec", adapter="x", source="x", dim=2, batch_size=batch_size)
        )
        self.calls: list[list[str]] = []

    def embed(self, inputs):
        self.calls.append(list(inputs))
        return np.array([[len(t) + 1.0, 1.0] for t in inputs], dtype=np.float32)


def test_longest_first_stable_and_cut_at_chunk_size():
    encoder = Recording()
    texts = [f"{'x' * (i % 7)}-{i}" for i in range(600)]  # many ties in length
    prepared = {entry_key(None, None, t): t for t in texts}
    cut = plan_chunks(encoder, prepared)
    assert [len(c) for c in cut.chunks] == [256, 256, 88]  # chunk_size = max(8 * 1, 256)
    order = [prepared[k] for c in cut.chunks for k in c]
    assert order == sorted(texts, key=lambda t: -len(t))  # sorted() is stable: ties keep order
    assert not cut.lengths_are_tokens and cut.length_of[entry_key(None, None, texts[0])] == 2


def test_encode_and_the_plan_make_the_same_embed_calls():
    texts = [f"{'word ' * (i % 11)}{i}" for i in range(700)] + ["0", "1"]  # two repeats
    single = Recording()
    single.encode(texts, TASK)
    planner = Recording()
    plan = build_plan(planner, {"T": [Request(TASK, None, tuple(texts))]})
    assert [chunk.inputs for chunk in plan.chunks] == single.calls
    assert planner.calls == []  # planning computes nothing


def test_adapters_satisfy_the_declared_protocols():
    encoder = Recording()
    assert isinstance(encoder, Encoder) and isinstance(encoder, ChunkedEncoder)
    assert encoder.device == "remote" and encoder.cpu_linear is None

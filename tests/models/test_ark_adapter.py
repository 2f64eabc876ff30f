"""Seed1.5 (Ark text), Seed1.6 (Ark multimodal) and OpenAI-compatible adapters against the fake API."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from embedboard.errors import EmbedboardError
from embedboard.models.ark_adapter import content_items, image_url
from embedboard.models.mrl import TruncatedEncoder
from embedboard.models.protocol import TaskContext
from embedboard.models.remote_base import to_bfloat16
from tests.support.fake_embedding_server import fake_vector

SEED15 = "doubao-embedding-large-text-250515"
SEED16 = "doubao-embedding-vision-250615"
SCIFACT = TaskContext(name="SciFact", type="Retrieval")
STS = TaskContext(name="STS12", type="STS")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def bf16_reference(raw: np.ndarray) -> np.ndarray:
    """What mteb's Seed wrapper does: torch.tensor(floats, dtype=bfloat16), then float."""
    return torch.tensor(raw.tolist(), dtype=torch.bfloat16).float().numpy()


# ---- bfloat16 ---------------------------------------------------------------------------
def test_bf16_cast_equals_torch_bit_for_bit() -> None:
    rng = np.random.default_rng(0)
    values = np.concatenate(
        [
            rng.standard_normal(20000) * 0.05,
            rng.standard_normal(2000) * 1e30,
            np.array(
                [0.0, -0.0, 1.0, -1.0, 3.4e38, -3.4e38, 1e-40, 1.00390625, 1.01171875, 65504.0]
            ),
        ]
    )
    as_f32 = values.astype(np.float32)
    ours = to_bfloat16(as_f32)
    assert np.array_equal(
        ours.view(np.uint32),
        torch.from_numpy(as_f32).to(torch.bfloat16).float().numpy().view(np.uint32),
    )
    # From JSON doubles, as the response arrives: float64 -> float32 -> bf16 equals torch's direct path.
    assert np.array_equal(ours, bf16_reference(values))


# ---- Seed1.5 ------------------------------------------------------------------------------
def test_seed15_instruction_on_queries_and_symmetric_never_documents(server, make_adapter) -> None:
    model = make_adapter("seed1.5-embedding")
    model.encode(["cats are mammals"], TaskContext(name="ArguAna", type="Retrieval"), "query")
    model.encode(["what causes tides"], SCIFACT, "query")  # not in the table: the default
    model.encode(["the moon pulls the ocean"], SCIFACT, "document")
    model.encode(["a man plays guitar"], STS, None)
    sent = server.texts_sent()
    assert sent == [
        "Instruct: Given a claim, find documents that refute the claim\nQuery: cats are mammals",
        "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery: what causes tides",
        "the moon pulls the ocean",
        "Instruct: Retrieve semantically similar text.\nQuery: a man plays guitar",
    ]
    body = server.ok_requests()[0]["raw_body"]
    assert (
        body["model"] == SEED15 and body["encoding_format"] == "float" and "dimensions" not in body
    )


def test_seed15_vectors_are_bf16_cast_then_normalised(server, make_adapter) -> None:
    model = make_adapter("seed1.5-embedding")
    vectors = model.encode(["the moon pulls the ocean", "tides"], SCIFACT, "document")
    raw = np.stack([fake_vector(SEED15, t, 2048) for t in ["the moon pulls the ocean", "tides"]])
    reference = bf16_reference(raw)
    np.testing.assert_allclose(
        vectors, reference / np.linalg.norm(reference, axis=1, keepdims=True), atol=1e-7
    )
    assert vectors.dtype == np.float32 and vectors.shape == (2, 2048)


def test_mrl_256_from_the_same_api_calls_as_2048(server, make_adapter, tmp_path) -> None:
    texts = [f"document {i} about topic {i % 3}" for i in range(7)]
    model = make_adapter("seed1.5-embedding", cache_dir=str(tmp_path))
    full = model.encode(texts, SCIFACT, "document")
    calls = len(server.log)
    small = TruncatedEncoder(model, 256).encode(texts, SCIFACT, "document")
    # A fresh adapter on the same cache: another process asking for dim 256 later.
    again = TruncatedEncoder(
        make_adapter("seed1.5-embedding", cache_dir=str(tmp_path)), 256
    ).encode(texts, SCIFACT, "document")
    assert len(server.log) == calls == 1
    head = bf16_reference(np.stack([fake_vector(SEED15, t, 2048) for t in texts]))[:, :256]
    np.testing.assert_allclose(small, head / np.linalg.norm(head, axis=1, keepdims=True), atol=1e-6)
    np.testing.assert_array_equal(small, again)
    np.testing.assert_allclose(np.linalg.norm(full, axis=1), 1.0, atol=1e-6)


def test_cached_inputs_cost_no_calls_and_counters_add_up(server, make_adapter, tmp_path) -> None:
    model = make_adapter("seed1.5-embedding", cache_dir=str(tmp_path), batch_size=2)
    model.encode(["a", "b", "c", "a"], STS, None)  # duplicates are sent once
    instruction = "Instruct: Retrieve semantically similar text.\nQuery: "
    assert len(server.log) == 2 and sorted(server.texts_sent()) == [instruction + t for t in "abc"]
    extra = model.stats.extra
    assert extra["requests"] == 2 and extra["retries"] == 0
    # What the server calls tokens (the fake bills words and punctuation: 9 + the text) is kept
    # apart from our own count (here the cards' declared 2-bytes-per-token estimate).
    assert extra["server_reported_tokens"] == 3 * 10
    assert extra["input_tokens"] == sum(model.tokens.count(instruction + t) for t in "abc")
    assert extra["estimated_cost_usd"] == pytest.approx(
        extra["server_reported_tokens"] / 1000 * 0.000125
    )
    model.encode(["c", "b"], STS, None)
    assert len(server.log) == 2 and model.stats.cache_hits == 2


def test_batches_are_bounded_by_count_and_tokens(server, make_adapter) -> None:
    texts = [f"w{i} " * 10 for i in range(9)]  # 30 bytes -> 15 estimated tokens each
    make_adapter("seed1.5-embedding", batch_size=4).encode(texts, SCIFACT, "document")
    assert sorted(len(r["texts"]) for r in server.ok_requests()) == [1, 4, 4]
    server.log.clear()
    changes = {
        "options": {
            **make_adapter("seed1.5-embedding").card.options,
            "runtime_max_batch_tokens": 40,
        }
    }
    make_adapter("seed1.5-embedding", card_changes=changes, batch_size=4).encode(
        texts, STS, "document"
    )
    assert sorted(len(r["texts"]) for r in server.ok_requests()) == [1, 2, 2, 2, 2]


def test_long_inputs_are_truncated_by_tokens_and_counted(server, make_adapter) -> None:
    model = make_adapter("seed1.5-embedding", card_changes={"max_length": 20})
    model.encode(["short one", "long " * 100, "中文" * 100], SCIFACT, "document")
    sent = {len(t.encode()) for t in server.texts_sent()}
    assert max(sent) <= 40  # 20 tokens at the conservative 2 bytes per token
    assert model.stats.truncated == 2
    assert model.stats.extra["token_counter"].startswith(("estimate:", "tiktoken:"))


def test_empty_inputs_are_sent_as_a_space(server, make_adapter) -> None:
    make_adapter("seed1.5-embedding").encode(["", "x"], SCIFACT, "document")
    assert sorted(server.texts_sent()) == [" ", "x"]


# ---- Seed1.6 multimodal ---------------------------------------------------------------
def test_seed16_text_and_images_one_request_each(server, make_adapter, tmp_path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    model = make_adapter("seed1.6-embedding")
    inputs = [
        "a photo of a cat",
        {"image": str(picture)},
        {"image": PNG, "text": "caption"},
        {"image": "https://example.com/dog.jpg"},
    ]
    vectors = model.encode(inputs, STS, None)
    assert vectors.shape == (4, 2048) and len(server.ok_requests("/embeddings/multimodal")) == 4
    bodies = {str(r["raw_body"]["input"]): r["raw_body"] for r in server.ok_requests()}
    instruction = "Retrieve semantically similar text\n"
    assert str([{"type": "text", "text": instruction + "a photo of a cat"}]) in bodies
    data_url = "data:image/png;base64,iVBORw0KGgo"
    image_bodies = [b["input"] for b in bodies.values() if b["input"][0]["type"] == "image_url"]
    assert sum(b[0]["image_url"]["url"].startswith(data_url) for b in image_bodies) == 2
    # Image first, then the instruction (+ caption) as the text part, as mteb's Seed1.6 wrapper sends it.
    assert sorted(b[1]["text"] for b in image_bodies) == sorted(
        [instruction, instruction, instruction + "caption"]
    )
    text_vector = fake_vector(SEED16, instruction + "a photo of a cat", 2048)
    np.testing.assert_allclose(vectors[0], text_vector / np.linalg.norm(text_vector), atol=1e-6)


def test_seed16_no_instruction_for_unlisted_tasks_or_documents(server, make_adapter) -> None:
    model = make_adapter("seed1.6-embedding")
    model.encode(["q"], TaskContext(name="SomeNewTask", type="Retrieval"), "query")
    model.encode(["d"], SCIFACT, "document")
    assert server.texts_sent() == ["q", "d"]


def test_seed16_at_1024_dims_asks_the_api_for_them(server, make_adapter) -> None:
    card = make_adapter("seed1.6-embedding").card
    model = make_adapter(
        "seed1.6-embedding",
        card_changes={"dim": 1024, "options": {**card.options, "dimensions": 1024}},
    )
    assert model.encode(["hello"], SCIFACT, "document").shape == (1, 1024)
    assert server.ok_requests()[0]["raw_body"]["dimensions"] == 1024


def test_image_forms() -> None:
    assert image_url("https://x.org/a.webp") == "https://x.org/a.webp"
    assert image_url(b"\xff\xd8\xff\xe0rest").startswith("data:image/jpeg;base64,")
    assert content_items({"image": PNG, "instruction": "Find: ", "text": "t"})[1] == {
        "type": "text",
        "text": "Find: t",
    }
    with pytest.raises(EmbedboardError, match="does not exist"):
        image_url("/no/such/picture.png")
    with pytest.raises(EmbedboardError, match="image format"):
        image_url(b"not an image")


# ---- OpenAI-compatible ---------------------------------------------------------------
def test_openai_adapter_sends_dimensions_and_reads_indices(server, make_adapter) -> None:
    card = make_adapter("text-embedding-3-small").card
    model = make_adapter(
        "text-embedding-3-small",
        card_changes={"dim": 256, "options": {**card.options, "dimensions": 256}},
    )
    vectors = model.encode(["alpha", "beta"], SCIFACT, "query")
    body = server.ok_requests("/embeddings")[0]["raw_body"]
    assert body == {
        "model": "text-embedding-3-small",
        "input": ["alpha", "beta"],
        "encoding_format": "float",
        "dimensions": 256,
    }
    raw = fake_vector("text-embedding-3-small", "beta", 256)
    np.testing.assert_allclose(
        vectors[1], raw / np.linalg.norm(raw), atol=1e-6
    )  # no bf16 cast on this card
    shuffled = {
        "data": [{"index": 1, "embedding": [0.0, 1.0]}, {"index": 0, "embedding": [1.0, 0.0]}]
    }
    assert model.read_response(shuffled, 2)[0] == [[1.0, 0.0], [0.0, 1.0]]

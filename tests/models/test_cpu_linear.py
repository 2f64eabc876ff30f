"""The oneDNN packed-linear backend: the same vectors as torch's default up to float rounding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.cpu_linear import apply_cpu_linear, cpu_linear_choice, pack_cpu_linears
from embedboard.models.protocol import TaskContext
from tests.models.test_torch_runtime import TEXTS

torch = pytest.importorskip("torch")
TASK = TaskContext(name="T", type="STS")
needs_onednn = pytest.mark.skipif(
    not torch.backends.mkldnn.is_available(), reason="torch built without oneDNN"
)


def test_flag_beats_card_beats_default() -> None:
    assert cpu_linear_choice(None, {}) == "onednn"
    assert cpu_linear_choice(None, {"runtime_cpu_linear": "torch"}) == "torch"
    assert cpu_linear_choice("onednn", {"runtime_cpu_linear": "torch"}) == "onednn"
    with pytest.raises(EmbedboardError, match="choose one of onednn, torch"):
        cpu_linear_choice("mkl", {})


def test_only_fp32_cpu_models_are_packed() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 4))
    assert (
        apply_cpu_linear(model, device="cuda", dtype="fp32", requested=None, card_options={})
        == "torch"
    )
    assert (
        apply_cpu_linear(model, device="cpu", dtype="bf16", requested=None, card_options={})
        == "torch"
    )
    assert (
        apply_cpu_linear(model, device="cpu", dtype="fp32", requested="torch", card_options={})
        == "torch"
    )
    assert type(model[0]) is torch.nn.Linear


@needs_onednn
def test_every_linear_is_swapped_and_outputs_agree() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.GELU(), torch.nn.Linear(64, 16, bias=False)
    )
    x = torch.randn(4, 7, 32)
    with torch.inference_mode():
        expected = model(x)
        assert pack_cpu_linears(model) == 2
        got = model(x)
        non_contiguous = model(x[:, 0])  # a pooler reads the first token: a strided view
        assert torch.allclose(non_contiguous, expected[:, 0], atol=1e-5)
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


@needs_onednn
def test_packed_layers_refuse_training() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(8, 4))
    pack_cpu_linears(model)
    with pytest.raises(EmbedboardError, match="inference only"):
        model(torch.randn(2, 8, requires_grad=True))


@needs_onednn
@pytest.mark.parametrize("adapter_name", ["sentence-transformers", "hf"])
def test_adapters_pack_by_default_and_match_torch(
    tiny_st_dir, tiny_bert_dir, adapter_name: str
) -> None:
    from embedboard.models.registry import load_adapter

    source = tiny_st_dir if adapter_name == "sentence-transformers" else tiny_bert_dir
    card = ModelCard(
        name="tiny",
        adapter=adapter_name,
        source=str(source),
        dim=32,
        max_length=64,
        pooling="mean" if adapter_name == "hf" else None,
    )
    packed = load_adapter(card, device="cpu", show_progress=False)
    plain = load_adapter(card, device="cpu", show_progress=False, cpu_linear="torch")
    assert packed.cpu_linear.startswith("onednn (") and plain.cpu_linear == "torch"
    np.testing.assert_allclose(packed.encode(TEXTS, TASK), plain.encode(TEXTS, TASK), atol=2e-6)


@pytest.mark.slow
@needs_onednn
def test_real_model_on_real_text_moves_only_by_rounding(mirror) -> None:
    """all-MiniLM-L6-v2 on ATEC sentences and 256-token SciFact documents, both backends."""
    from embedboard.models.registry import get_card, load_adapter

    texts: list[str] = []
    for path, field, count in [
        (mirror / "C-MTEB/ATEC", "sentence1", 300),
        (mirror / "mteb/scifact/corpus", "text", 100),
    ]:
        source = next(p for p in sorted(path.rglob("*.json*")) if p.is_file())
        with source.open() as lines:
            texts += [json.loads(line)[field] for line, _ in zip(lines, range(count), strict=False)]
    card = get_card("all-MiniLM-L6-v2")
    packed = load_adapter(card, device="cpu", show_progress=False)
    plain = load_adapter(card, device="cpu", show_progress=False, cpu_linear="torch")
    assert packed.cpu_linear == "onednn (37 layers)"
    ours, reference = packed.encode(texts, TASK), plain.encode(texts, TASK)
    assert np.abs(ours - reference).max() < 1e-5
    assert (ours * reference).sum(axis=1).min() > 0.99999

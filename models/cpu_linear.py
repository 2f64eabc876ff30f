"""fp32 linear layers on CPU through oneDNN with weights packed once, instead of MKL sgemm.

Why: linear layers are ~80% of a BERT-style forward pass on CPU (profile of ATEC with
all-MiniLM-L6-v2: 73 s of 93 s). torch sends fp32 `F.linear` to MKL, which on the bench's
AMD EPYC box reaches ~150-185 GFLOP/s on these shapes; oneDNN with the weight reordered
once into its blocked layout (`mkldnn._reorder_linear_weight` + `mkldnn._linear_pointwise`,
the pair inductor uses when it freezes weights) reaches ~185-215 GFLOP/s on the same shapes,
from 32 short sentences to 8 x 256 tokens. The GEMMs are the same; only the summation order
differs, so outputs move by float rounding (~1e-6 absolute on unit-scale activations), like
changing the batch size does. `runtime_cpu_linear: torch` on the card (or
`--cpu-linear torch`) keeps torch's default.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from embedboard.errors import EmbedboardError

logger = logging.getLogger(__name__)

CPU_LINEAR_CHOICES = ("onednn", "torch")
DEFAULT_CPU_LINEAR = "onednn"


def cpu_linear_choice(requested: str | None, card_options: dict[str, Any]) -> str:
    """The flag wins over the card's `runtime_cpu_linear`, which wins over the default."""
    choice = requested or card_options.get("runtime_cpu_linear") or DEFAULT_CPU_LINEAR
    if choice not in CPU_LINEAR_CHOICES:
        raise EmbedboardError(
            f"Unknown CPU linear backend '{choice}'; choose one of {', '.join(CPU_LINEAR_CHOICES)}."
        )
    return choice


@functools.cache
def _packed_linear_class() -> type:
    """Built on first use, so importing this module does not import torch."""
    import torch

    class PackedLinear(torch.nn.Module):
        """A frozen `nn.Linear` whose weight lives in oneDNN's blocked layout (inference only)."""

        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            with torch.inference_mode():
                self.packed_weight = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach())
            self.bias = None if linear.bias is None else linear.bias.detach().clone()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if torch.is_grad_enabled() and x.requires_grad:
                raise EmbedboardError(
                    "PackedLinear is for inference only; run it under torch.inference_mode()."
                )
            return torch.ops.mkldnn._linear_pointwise(
                x, self.packed_weight, self.bias, "none", [], ""
            )

        def extra_repr(self) -> str:
            return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"

    return PackedLinear


def _packing_works(packed_linear: type) -> bool:
    """One small GEMM both ways: a build without the oneDNN ops, or one that disagrees, keeps torch's."""
    import torch

    try:
        generator = torch.Generator().manual_seed(0)
        probe = torch.nn.Linear(64, 48)
        with torch.no_grad():
            probe.weight.copy_(torch.randn(48, 64, generator=generator))
            probe.bias.copy_(torch.randn(48, generator=generator))
        x = torch.randn(3, 5, 64, generator=generator)
        with torch.inference_mode():
            expected, got = probe(x), packed_linear(probe)(x)
        return got.shape == expected.shape and bool(
            torch.allclose(got, expected, rtol=1e-4, atol=1e-4)
        )
    except (RuntimeError, AttributeError, NotImplementedError) as err:
        logger.info("oneDNN packed linear unavailable (%s); keeping torch's default", err)
        return False


def pack_cpu_linears(model: Any) -> int:
    """Swap every fp32 CPU `nn.Linear` in `model` for a packed oneDNN one; return how many.

    Call it once after loading, on a model that will only run inference. Returns 0 (and
    changes nothing) where torch has no usable oneDNN.
    """
    import torch

    if not torch.backends.mkldnn.is_available():
        return 0
    packed_linear = _packed_linear_class()
    if not _packing_works(packed_linear):
        return 0
    targets = [
        (name, module)
        for name, module in model.named_modules()
        if name
        and type(module) is torch.nn.Linear
        and module.weight.dtype == torch.float32
        and module.weight.device.type == "cpu"
    ]
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, packed_linear(module))
    return len(targets)


def apply_cpu_linear(
    model: Any, *, device: str, dtype: str, requested: str | None, card_options: dict[str, Any]
) -> str:
    """Pack where it applies (fp32 on CPU); return what the run record says: 'onednn (N layers)' or 'torch ...'."""
    choice = cpu_linear_choice(requested, card_options)
    if device != "cpu" or dtype != "fp32":
        return "torch"
    if choice == "torch":
        return "torch"
    count = pack_cpu_linears(model)
    return f"onednn ({count} layers)" if count else "torch (oneDNN unavailable)"

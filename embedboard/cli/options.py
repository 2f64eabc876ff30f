"""The options every verb that names a model shares, declared once as argparse parents.

`eval` and `plan` take `model_options()`, `task_options()` and `scale_options()`; `probe`
takes `model_options()`. A flag added here reaches all of them, so a model or task selection
that `eval` runs, `plan` plans the same way (tests/cli/test_options.py walks both parsers).
`embedboard.cli.request` turns the parsed flags into typed requests.
"""

from __future__ import annotations

import argparse

from embedboard.defaults import RESULTS_DIR, embedding_cache_dir


def csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def csv_ints(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from err


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from err
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def flat(groups: list[list[str]] | None) -> list[str] | None:
    """`--tasks A B`, `--tasks A,B` and `-t A -t B` all mean [A, B] (mteb's habits)."""
    if not groups:
        return None
    return list(dict.fromkeys(name for group in groups for name in group))


def model_options() -> argparse.ArgumentParser:
    """Which model, and how to load it: card, `--cards` card, folder, hub id or served model."""
    parent = argparse.ArgumentParser(add_help=False)
    g = parent.add_argument_group("model")
    g.add_argument(
        "-m",
        "--model",
        help="registered or --cards name (see `embedboard cards ls`), hub id, or checkpoint folder",
    )
    g.add_argument(
        "--cards",
        action="append",
        metavar="DIR",
        help="folder of your own model cards (*.yaml; repeatable; also EMBEDBOARD_CARDS=DIR1:DIR2)",
    )
    g.add_argument(
        "--api-base", help="base URL of the embeddings API for remote models (overrides the card)"
    )
    g.add_argument(
        "--api-model",
        help="model name served at --api-base: evaluate an OpenAI-compatible server with no card",
    )
    g.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the server's key (default: none sent)",
    )
    g.add_argument(
        "--dim",
        type=int,
        help="the served model's dimension (default: learnt from the first response)",
    )
    g.add_argument(
        "--api-tokenizer",
        metavar="ID_OR_DIR",
        help="the served model's tokenizer (hub id or local folder) for exact token counts and cuts at --max-length",
    )
    g.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    g.add_argument(
        "--dtype",
        choices=["fp32", "fp16", "bf16"],
        help="weights dtype for local models (default: the card's)",
    )
    g.add_argument(
        "--pooling",
        choices=["cls", "mean", "last-token"],
        help="pooling for a plain transformers checkpoint",
    )
    g.add_argument(
        "--max-length", type=positive_int, help="maximum input tokens (default: the card's)"
    )
    g.add_argument(
        "--batch-size",
        type=positive_int,
        help="most inputs per forward pass (default: the card's); on CPU batches are also capped "
        "at 2048 padded tokens and 32 inputs, which measured fastest",
    )
    g.add_argument(
        "--cpu-linear",
        choices=["onednn", "torch"],
        help="fp32 linear layers on CPU: onednn (default: weights packed once, ~15%% faster here, "
        "same vectors up to float rounding) or torch (MKL); the card's runtime_cpu_linear sets it too",
    )
    g.add_argument(
        "--instructions", help="instruction table name or YAML/JSON file overriding the card's"
    )
    return parent


def task_options() -> argparse.ArgumentParser:
    """What to run and where results and vectors go."""
    parent = argparse.ArgumentParser(add_help=False)
    g = parent.add_argument_group("tasks and results")
    g.add_argument(
        "--suite",
        "-b",
        "--benchmark",
        dest="suite",
        help='suite name (see `embedboard suites`) or an mteb benchmark name, e.g. "MTEB(eng, v2)"',
    )
    g.add_argument(
        "-t",
        "--tasks",
        type=csv,
        nargs="+",
        action="extend",
        help="task names, space- or comma-separated (within --suite, or any mteb task without one)",
    )
    g.add_argument(
        "--task-types",
        type=csv,
        nargs="+",
        action="extend",
        metavar="TYPE",
        help='keep only tasks of these mteb types, e.g. STS "Pair Classification" (spaces optional)',
    )
    g.add_argument(
        "--data-dir",
        help="local dataset mirror: a task with HF path P loads from DATA_DIR/P (env EMBEDBOARD_DATA_DIR)",
    )
    g.add_argument(
        "--results", default=RESULTS_DIR, help=f"results folder (default: {RESULTS_DIR}/)"
    )
    g.add_argument(
        "--dims",
        type=csv_ints,
        help="MRL dims to evaluate from one encoding pass, e.g. 768,256,64",
    )
    g.add_argument("--overwrite", action="store_true", help="redo tasks that already have results")
    cache = embedding_cache_dir()
    g.add_argument(
        "--cache-dir",
        default=str(cache),
        help=f"embedding cache folder (default: {cache}; env EMBEDBOARD_CACHE_DIR)",
    )
    g.add_argument(
        "--no-cache", action="store_true", help="do not read or write the embedding cache"
    )
    g.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars (ours and the libraries')"
    )
    return parent


def scale_options() -> argparse.ArgumentParser:
    """--workers and --ray (and, read with them, comma lists in --device and --api-base)."""
    parent = argparse.ArgumentParser(add_help=False)
    g = parent.add_argument_group(
        "scaling out",
        "encode on several workers first (filling the cache), then score as usual; see README 'Scaling out'. "
        "--device cuda:0,cuda:1 runs one worker per GPU; --api-base URL1,URL2 spreads shards over servers.",
    )
    g.add_argument(
        "--workers",
        type=int,
        help="worker processes (CPU: cores split between them; default: one per --device)",
    )
    g.add_argument(
        "--ray",
        nargs="?",
        const="",
        metavar="ADDRESS",
        help="run the workers as Ray actors: on the cluster at ADDRESS (e.g. auto, ray://head:10001), "
        "or on a new local instance when no address is given (pip install 'embedboard[ray]')",
    )
    g.add_argument(
        "--shards-per-worker",
        type=int,
        default=4,
        help="shards per worker in the plan (default: 4)",
    )
    return parent

"""Parsed flags to typed requests, and the one resolver every model-naming verb goes through.

`run_request(args)` is the only place that reads an argparse Namespace for `eval` and `plan`
(`model_request(args)` for `probe`); below it everything takes a `RunRequest` /
`ModelRequest`. `resolve_card`, `resolve_tasks` and `load_encoder` are the same calls for
every verb, so a card, a `--cards` card, a folder or a hub id that `eval` runs is what
`plan` plans and `probe` probes.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from embedboard.cli.options import flat
from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.model_request import ModelRequest
from embedboard.models.protocol import ChunkedEncoder
from embedboard.run_request import RunRequest

if TYPE_CHECKING:
    from embedboard.runners.scale.scale_out import ScaleOptions


def model_request(args: argparse.Namespace) -> ModelRequest:
    """The `ModelRequest` from the flags of `options.model_options()`."""
    return ModelRequest(
        model=args.model,
        cards=tuple(args.cards or ()),
        api_base=args.api_base,
        api_model=args.api_model,
        api_key_env=args.api_key_env,
        api_tokenizer=args.api_tokenizer,
        dim=args.dim,
        device=args.device,
        dtype=args.dtype,
        pooling=args.pooling,
        max_length=args.max_length,
        batch_size=args.batch_size,
        cpu_linear=args.cpu_linear,
        instructions=args.instructions,
    )


def run_request(args: argparse.Namespace) -> RunRequest:
    """The `RunRequest` from the flags of the model, task and scale parents."""
    return RunRequest(
        model=model_request(args),
        suite=args.suite,
        tasks=tuple(flat(args.tasks) or ()),
        task_types=tuple(flat(args.task_types) or ()),
        data_dir=args.data_dir,
        results=args.results,
        dims=tuple(args.dims or ()),
        overwrite=args.overwrite,
        cache_dir=None if args.no_cache else args.cache_dir,
        quiet=args.quiet,
        workers=args.workers,
        ray=args.ray,
        shards_per_worker=args.shards_per_worker,
    )


def resolve_card(request: ModelRequest) -> ModelCard:
    """The card for the request (see `models.card_lookup`): the one resolver of every verb."""
    from embedboard.models.card_lookup import card_for_request

    return card_for_request(request)


def resolve_tasks(request: RunRequest, suite: Any) -> list[Any]:
    """The mteb tasks of `--suite` / `--tasks`, filtered by `--task-types`."""
    from embedboard.tasks.suites import filter_task_types
    from embedboard.tasks.suites import resolve_tasks as tasks_by_name

    names = request.task_list
    tasks = suite.mteb_tasks(names) if suite else tasks_by_name(names)
    return filter_task_types(tasks, list(request.task_types) or None)


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def split_workers(request: RunRequest, *, bright: bool = False) -> tuple[ScaleOptions, RunRequest]:
    """ScaleOptions from the flags, and the request for the driver's own adapter, which keeps
    the first of several --device / --api-base values."""
    from embedboard.runners.scale.scale_out import ScaleOptions

    devices = [d for d in _csv(request.model.device) if d != "auto"]
    bases = _csv(request.model.api_base)
    if request.workers is not None and request.workers < 1:
        raise EmbedboardError(f"--workers {request.workers}: give at least 1.")
    options = ScaleOptions(
        workers=request.workers,
        devices=devices,
        api_bases=bases,
        ray=request.ray,
        shards_per_worker=request.shards_per_worker,
    )
    if bright and options.active:
        raise EmbedboardError(
            "Workers (--workers, --ray, several --device/--api-base) cover mteb suites; "
            "run BRIGHT with one device and one server for now."
        )
    if options.active and request.cache_dir is None and not request.dims:
        raise EmbedboardError(
            "Workers hand their vectors over through the embedding cache: drop --no-cache "
            "(a throw-away --cache-dir works too)."
        )
    model = request.model
    if len(devices) > 1:
        model = dataclasses.replace(model, device=devices[0])
    if len(bases) > 1:
        model = dataclasses.replace(model, api_base=bases[0])
    return options, dataclasses.replace(request, model=model)


def load_encoder(request: RunRequest, card: ModelCard) -> ChunkedEncoder:
    """The driver's adapter for `card`, built from the request (imports torch etc. only now)."""
    from embedboard.models.registry import load_adapter

    return load_adapter(
        card,
        **request.model.adapter_kwargs(),
        cache_dir=request.cache_dir,
        show_progress=not request.quiet,
    )


def runtime_record(request: RunRequest, encoder: ChunkedEncoder) -> dict[str, Any]:
    """How the run was made (never what it computed): the run record's `runtime`."""
    return {
        "device": encoder.device,
        "dtype": encoder.card.dtype,
        "batch_size": encoder.card.batch_size,
        "cpu_linear": encoder.cpu_linear,
        "cache": None if request.cache_dir is None else "on",
        "instruction_table": encoder.instruction_table,
    }


def all_done_line(count: int, results: str, *, verb: str) -> str:
    """The one line `eval` and `plan` print when every task is already in the results folder."""
    return (
        f"All {count} task run(s) are already done in {results}/ with these settings; nothing to "
        f"{verb}, the model was not loaded. Redo them with --overwrite, or pass --results "
        "<another folder> to keep both."
    )


def print_all_done(skip_lines: list[str], results: str, *, verb: str) -> None:
    """The one line, after the skip lines that carry a note (settings not verifiable)."""
    for line in skip_lines:
        if "(same settings;" not in line:
            print(line)
    print(all_done_line(len(skip_lines), results, verb=verb))

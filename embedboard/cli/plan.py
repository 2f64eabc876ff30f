"""Command-line parts of scaling out: `embedboard plan`, and the worker flags of `embedboard eval`.

Kept apart from `cli.py`, which only calls `add_scale_options`, `scale_options`,
`prefill_if_asked` and `add_plan`.
"""

from __future__ import annotations

import argparse
from typing import Any

from embedboard.errors import EmbedboardError


def _csv(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def add_scale_options(p: argparse.ArgumentParser) -> None:
    """--workers and --ray (and, read here too, comma lists in --device and --api-base)."""
    g = p.add_argument_group(
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


def scale_options(args: argparse.Namespace, *, bright: bool = False) -> Any:
    """ScaleOptions from the flags; the driver's own adapter keeps the first device / server."""
    from embedboard.runners.scale.scale_out import ScaleOptions

    devices = [d for d in _csv(getattr(args, "device", None)) if d != "auto"]
    bases = _csv(getattr(args, "api_base", None))
    if getattr(args, "workers", None) is not None and args.workers < 1:
        raise EmbedboardError(f"--workers {args.workers}: give at least 1.")
    options = ScaleOptions(
        workers=getattr(args, "workers", None),
        devices=devices,
        api_bases=bases,
        ray=getattr(args, "ray", None),
        shards_per_worker=getattr(args, "shards_per_worker", 4),
    )
    if bright and options.active:
        raise EmbedboardError(
            "Workers (--workers, --ray, several --device/--api-base) cover mteb suites; "
            "run BRIGHT with one device and one server for now."
        )
    if options.active and getattr(args, "no_cache", False) and not getattr(args, "dims", None):
        raise EmbedboardError(
            "Workers hand their vectors over through the embedding cache: drop --no-cache "
            "(a throw-away --cache-dir works too)."
        )
    if len(devices) > 1:
        args.device = devices[0]
    if len(bases) > 1:
        args.api_base = bases[0]
    return options


def worker_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """What each worker's adapter is built with: the driver's settings minus device, server and cache."""
    return {
        "batch_size": args.batch_size,
        "instructions": args.instructions,
        "cpu_linear": getattr(args, "cpu_linear", None),
    }


def prefill_if_asked(
    args: argparse.Namespace,
    options: Any,
    encoder: Any,
    tasks: list[Any],
    data_dir: str | None,
    suite_name: str,
) -> dict[str, Any]:
    """Fill the cache with workers when the flags ask for them; what the run record adds."""
    if not options.active:
        return {}
    from embedboard.runners.scale.scale_out import prefill

    report = prefill(
        encoder,
        tasks,
        options,
        worker_kwargs(args),
        data_dir=data_dir,
        suite_name=suite_name,
        results_root=args.results,
        dims=args.dims,
        overwrite=args.overwrite,
    )
    return {"scale_out": report.as_dict()}


def add_plan(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        help="what a run would encode: texts, tokens, cached, shards and an ETA (before anything long starts)",
        description="List per task the unique inputs the model must still encode, cut them into shards, and "
        "estimate the time from a throughput measured on a small sample (or --throughput).",
    )
    from embedboard.cli.main import DEFAULT_CACHE, DEFAULT_RESULTS

    p.add_argument("--model", required=True)
    p.add_argument("--suite")
    p.add_argument("--tasks", type=_csv)
    p.add_argument("--data-dir")
    p.add_argument(
        "--results", default=DEFAULT_RESULTS, help="tasks with results here are left out"
    )
    p.add_argument("--cache-dir", default=DEFAULT_CACHE)
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--dtype", choices=["fp32", "fp16", "bf16"])
    p.add_argument("--pooling", choices=["cls", "mean", "last-token"])
    p.add_argument("--max-length", type=int)
    p.add_argument("--instructions")
    p.add_argument("--api-base")
    p.add_argument("--dims", type=lambda s: [int(x) for x in _csv(s)])
    p.add_argument(
        "--overwrite", action="store_true", help="plan tasks that already have results too"
    )
    p.add_argument(
        "--throughput",
        type=float,
        metavar="TEXTS_PER_S",
        help="one worker's texts/s; skips measuring it on a sample (which calls the model or API)",
    )
    p.add_argument(
        "--sample", type=int, default=64, help="inputs timed to measure throughput (default: 64)"
    )
    add_scale_options(p)
    p.set_defaults(func=cmd_plan, no_cache=False, quiet=True, cpu_linear=None)


def cmd_plan(args: argparse.Namespace) -> int:
    from embedboard.cli.main import _load_encoder
    from embedboard.models.registry import get_card
    from embedboard.runners.data.data_source import check_mirror, default_data_dir
    from embedboard.runners.scale.plan import describe_plan, measure_throughput
    from embedboard.runners.scale.scale_out import make_plan
    from embedboard.tasks.suites import get_suite, resolve_tasks

    if not args.suite and not args.tasks:
        raise EmbedboardError("Say what to plan: --suite S and/or --tasks T1,T2.")
    data_dir = default_data_dir(args.data_dir)
    suite = get_suite(args.suite) if args.suite else None
    if suite is not None and suite.runner == "bright":
        raise EmbedboardError(
            "`embedboard plan` covers mteb suites; BRIGHT runs single-process for now."
        )
    options = scale_options(args)
    card = get_card(args.model, dtype=args.dtype, pooling=args.pooling, max_length=args.max_length)
    tasks = suite.mteb_tasks(args.tasks) if suite else resolve_tasks(args.tasks)
    suite_name = suite.name if suite else "SUITE"
    check_mirror(tasks, data_dir, suite_name)
    encoder = _load_encoder(args, card)
    workers = options.worker_count()
    plan = make_plan(
        encoder,
        tasks,
        data_dir=data_dir,
        suite_name=suite_name,
        results_root=args.results,
        dims=args.dims,
        overwrite=args.overwrite,
        workers=workers,
        shards_per_worker=args.shards_per_worker,
    )
    if args.throughput:
        throughput = {"texts_per_second": args.throughput}
    else:
        throughput = measure_throughput(encoder, plan, args.sample) if plan.texts else None
    describe_plan(plan, throughput, workers)
    return 0

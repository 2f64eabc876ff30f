"""`embedboard plan`: what a run would encode (texts, tokens, cached, shards, ETA) before it starts.

It takes exactly eval's model and task options (the same argparse parents) and resolves the
model and tasks with the same calls, so whatever `eval` runs, `plan` plans.
"""

from __future__ import annotations

import argparse
from typing import Any

from embedboard.cli import request as requests
from embedboard.cli.options import model_options, scale_options, task_options
from embedboard.errors import EmbedboardError
from embedboard.run_request import RunRequest

# Flags only `plan` has; every other option of plan is shared with `eval` (tests/cli/test_options.py).
PLAN_ONLY_OPTIONS = ("--throughput", "--sample")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "plan",
        parents=[model_options(), task_options(), scale_options()],
        help="what a run would encode: texts, tokens, cached, shards and an ETA (before anything long starts)",
        description="List per task the unique inputs the model must still encode, cut them into shards, and "
        "estimate the time from a throughput measured on a small sample (or --throughput). Tasks whose "
        "results are already in --results with the same settings are left out.",
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
    p.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    return run_plan(requests.run_request(args), throughput=args.throughput, sample=args.sample)


def run_plan(request: RunRequest, *, throughput: float | None = None, sample: int = 64) -> int:
    from embedboard.runners.data.data_source import check_mirror, default_data_dir
    from embedboard.runners.mteb.runner import finished_runs
    from embedboard.runners.scale.plan import describe_plan, measure_throughput
    from embedboard.runners.scale.scale_out import make_plan
    from embedboard.tasks.suites import get_suite

    if not request.suite and not request.tasks:
        raise EmbedboardError("Say what to plan: --suite S and/or --tasks T1,T2.")
    data_dir = default_data_dir(request.data_dir)
    suite = get_suite(request.suite) if request.suite else None
    if suite is not None and suite.runner == "bright":
        raise EmbedboardError(
            "`embedboard plan` covers mteb suites; BRIGHT runs single-process for now."
        )
    options, request = requests.split_workers(request)
    card = requests.resolve_card(request.model)
    if request.dims:
        card.check_dims(list(request.dims))
    tasks = requests.resolve_tasks(request, suite)
    suite_name = suite.name if suite else "SUITE"
    check_mirror(tasks, data_dir, suite_name)
    done_already = finished_runs(
        card,
        tasks,
        request.results,
        request.dim_list,
        request.overwrite,
        instructions=request.model.instructions,
        data_dir=data_dir,
        suite_name=suite_name,
    )
    if done_already is not None:
        requests.print_all_done(done_already, request.results, verb="plan")
        return 0
    encoder = requests.load_encoder(request, card)
    workers = options.worker_count()
    plan = make_plan(
        encoder,
        tasks,
        data_dir=data_dir,
        suite_name=suite_name,
        results_root=request.results,
        dims=request.dim_list,
        overwrite=request.overwrite,
        workers=workers,
        shards_per_worker=request.shards_per_worker,
    )
    if throughput:
        measured: dict[str, float] | None = {"texts_per_second": throughput}
    else:
        measured = measure_throughput(encoder, plan, sample) if plan.texts else None
    describe_plan(plan, measured, workers)
    return 0

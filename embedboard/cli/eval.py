"""`embedboard eval`: evaluate a model on a suite or tasks and write mteb-format results."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from embedboard.cli import request as requests
from embedboard.cli.options import model_options, scale_options, task_options
from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.protocol import ChunkedEncoder
from embedboard.results_layout import NO_REVISION
from embedboard.run_request import RunRequest

EVAL_EPILOG = """examples:
  embedboard eval --model all-MiniLM-L6-v2 --suite smoke --data-dir ../shared/mteb-mirror
  embedboard eval --model bge-base-en-v1.5 --suite cmteb
  embedboard eval --model ./checkpoints/step-2000 --pooling mean --suite smoke --dims 384,256,128
Finished tasks are skipped on a re-run (so an interrupted run resumes); --overwrite redoes them.
Embeddings are cached on disk (--cache-dir), so a re-run or an extra --dims costs no encoding."""

# Flags only `eval` has; every other option of eval is shared with `plan` (tests/cli/test_options.py).
EVAL_ONLY_OPTIONS = ("--query-variant",)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        parents=[model_options(), task_options(), scale_options()],
        help="evaluate a model on a suite or tasks and write results JSON",
        description="Evaluate a registered model (or a checkpoint folder) on a suite, writing mteb-format results.",
        epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--query-variant",
        default="examples",
        help="BRIGHT queries: examples (default) or a reasoning config (gpt4_reason, claude-3-opus_reason, "
        "Gemini-1.0_reason, grit_reason, llama3-70b_reason; the _reason suffix may be left off)",
    )
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    request = dataclasses.replace(requests.run_request(args), query_variant=args.query_variant)
    return run_eval(request)


def run_eval(request: RunRequest) -> int:
    from embedboard import preflight
    from embedboard.runners.data.data_source import check_mirror, default_data_dir
    from embedboard.tasks.suites import get_suite

    if not request.suite and not request.tasks:
        raise EmbedboardError(
            "Say what to run: --suite S (see `embedboard suites`) and/or --tasks T1,T2."
        )
    if request.quiet:
        from embedboard.quiet import silence_library_progress

        silence_library_progress()
    data_dir = default_data_dir(request.data_dir)
    suite = get_suite(request.suite) if request.suite else None
    # Resolve everything cheap before loading a model: a typo fails in a second, not after a download.
    card = requests.resolve_card(request.model)
    if request.dims:
        card.check_dims(list(request.dims))
    bright = suite is not None and suite.runner == "bright"
    scale, request = requests.split_workers(request, bright=bright)
    model_from_hub = preflight.check_eval(request, card)
    if bright:
        preflight.check_hub(model_from_hub)
        return _eval_bright(request, card, suite, data_dir)
    tasks = requests.resolve_tasks(request, suite)
    suite_name = suite.name if suite else "SUITE"
    check_mirror(tasks, data_dir, suite_name)

    from embedboard.runners.mteb.runner import finished_runs, run_mteb_tasks

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
        requests.print_all_done(done_already, request.results, verb="run")
        return 0
    preflight.check_hub(model_from_hub + preflight.data_from_hub(tasks, data_dir))

    if request.cache_dir is None and request.dims:
        # Extra dims are served from the full vectors; without a cache they would be re-encoded.
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="embedboard-dims-")
        request = dataclasses.replace(request, cache_dir=scratch.name)
        print(f"--no-cache with --dims: keeping this run's vectors in {scratch.name} until it ends")
    from embedboard.cli.probe import auto_probe

    auto_probe(request.model, card)
    encoder = requests.load_encoder(request, card)
    runtime = requests.runtime_record(request, encoder)
    runtime.update(_prefill_if_asked(request, scale, encoder, tasks, data_dir, suite_name))

    outcomes = run_mteb_tasks(
        encoder,
        tasks,
        results_root=request.results,
        data_dir=data_dir,
        suite_name=suite_name,
        dims=request.dim_list,
        overwrite=request.overwrite,
        runtime=runtime,
    )
    done = sum(o.status == "done" for o in outcomes)
    print(
        f"{done} task run(s) written, {len(outcomes) - done} skipped; results under {request.results}/"
    )
    return 0


def _prefill_if_asked(
    request: RunRequest,
    options: Any,
    encoder: ChunkedEncoder,
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
        request.model.worker_kwargs(),
        data_dir=data_dir,
        suite_name=suite_name,
        results_root=request.results,
        dims=request.dim_list,
        overwrite=request.overwrite,
    )
    return {"scale_out": report.as_dict()}


def _eval_bright(request: RunRequest, card: ModelCard, suite: Any, data_dir: str | None) -> int:
    from embedboard.runners import bright
    from embedboard.runners.store.results_store import ResultsStore

    encoder = requests.load_encoder(request, card)
    domains = request.task_list or list(suite.domains)
    store = ResultsStore(request.results, card.result_name, card.revision or NO_REVISION)
    summary = bright.run_bright(
        encoder,
        store,
        domains=domains,
        long_context=suite.long_context,
        query_variant=request.query_variant,
        data_dir=data_dir,
        overwrite=request.overwrite,
        show_progress=not request.quiet,
        instructions=request.model.instructions,
        runtime=requests.runtime_record(request, encoder),
    )
    # recall_at_1 in the long setting, as the paper reports
    metric = bright.main_score(suite.long_context)
    label = {"ndcg_at_10": "nDCG@10", "recall_at_1": "Recall@1"}[metric]
    for domain, outcome in summary["domains"].items():
        score = outcome.get(metric)
        shown = f"{label} {score * 100:.1f}" if score is not None else outcome["status"]
        print(f"  {domain:<22} {shown}")
    return 0

"""`embedboard` command line: eval, models, suites, data pull, report, regress."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from embedboard.cli.servers import add_commands as add_server_commands
from embedboard.cli.servers import add_model_source_args, auto_probe
from embedboard.errors import EmbedboardError
from embedboard.failures import OneLineParser, debug_requested, run_reporting_failures

DEFAULT_RESULTS = "results"
DEFAULT_CACHE = os.environ.get(
    "EMBEDBOARD_CACHE_DIR", str(Path.home() / ".cache" / "embedboard" / "embeddings")
)

EVAL_EPILOG = """examples:
  embedboard eval --model all-MiniLM-L6-v2 --suite smoke --data-dir ../shared/mteb-mirror
  embedboard eval --model bge-base-en-v1.5 --suite cmteb
  embedboard eval --model ./checkpoints/step-2000 --pooling mean --suite smoke --dims 384,256,128
Finished tasks are skipped on a re-run (so an interrupted run resumes); --overwrite redoes them.
Embeddings are cached on disk (--cache-dir), so a re-run or an extra --dims costs no encoding."""


def _csv_ints(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from err


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from err
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _flat(groups: list[list[str]] | None) -> list[str] | None:
    """`--tasks A B`, `--tasks A,B` and `-t A -t B` all mean [A, B] (mteb's habits)."""
    if not groups:
        return None
    return list(dict.fromkeys(name for group in groups for name in group))


def add_eval(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "eval",
        help="evaluate a model on a suite or tasks and write results JSON",
        description="Evaluate a registered model (or a checkpoint folder) on a suite, writing mteb-format results.",
        epilog=EVAL_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "-m",
        "--model",
        help="registered or --cards name (see `embedboard cards ls`), hub id, or checkpoint folder",
    )
    p.add_argument(
        "--suite",
        "-b",
        "--benchmark",
        dest="suite",
        help='suite name (see `embedboard suites`) or an mteb benchmark name, e.g. "MTEB(eng, v2)"',
    )
    p.add_argument(
        "-t",
        "--tasks",
        type=_csv,
        nargs="+",
        action="extend",
        help="task names, space- or comma-separated (within --suite, or any mteb task without one)",
    )
    p.add_argument(
        "--task-types",
        type=_csv,
        nargs="+",
        action="extend",
        metavar="TYPE",
        help='keep only tasks of these mteb types, e.g. STS "Pair Classification" (spaces optional)',
    )
    p.add_argument(
        "--data-dir",
        help="local dataset mirror: a task with HF path P loads from DATA_DIR/P (env EMBEDBOARD_DATA_DIR)",
    )
    p.add_argument("--results", default=DEFAULT_RESULTS, help="results folder (default: results/)")
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        help="most inputs per forward pass (default: the card's); on CPU batches are also capped "
        "at 2048 padded tokens and 32 inputs, which measured fastest",
    )
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default)")
    p.add_argument(
        "--dtype",
        choices=["fp32", "fp16", "bf16"],
        help="weights dtype for local models (default: the card's)",
    )
    p.add_argument(
        "--cpu-linear",
        choices=["onednn", "torch"],
        help="fp32 linear layers on CPU: onednn (default: weights packed once, ~15%% faster here, "
        "same vectors up to float rounding) or torch (MKL); the card's runtime_cpu_linear sets it too",
    )
    p.add_argument(
        "--dims",
        type=_csv_ints,
        help="MRL dims to evaluate from one encoding pass, e.g. 768,256,64",
    )
    p.add_argument("--overwrite", action="store_true", help="redo tasks that already have results")
    p.add_argument(
        "--cache-dir",
        default=DEFAULT_CACHE,
        help=f"embedding cache folder (default: {DEFAULT_CACHE})",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the embedding cache"
    )
    p.add_argument(
        "--instructions", help="instruction table name or YAML/JSON file overriding the card's"
    )
    p.add_argument(
        "--pooling",
        choices=["cls", "mean", "last-token"],
        help="pooling for a plain transformers checkpoint",
    )
    p.add_argument(
        "--max-length", type=_positive_int, help="maximum input tokens (default: the card's)"
    )
    p.add_argument(
        "--api-base", help="base URL of the embeddings API for remote models (overrides the card)"
    )
    p.add_argument(
        "--query-variant",
        default="examples",
        help="BRIGHT queries: examples (default) or a reasoning config (gpt4_reason, claude-3-opus_reason, "
        "Gemini-1.0_reason, grit_reason, llama3-70b_reason; the _reason suffix may be left off)",
    )
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars (ours and the libraries')"
    )
    add_model_source_args(p)
    from embedboard.cli.plan import add_scale_options

    add_scale_options(p)
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    from embedboard import preflight
    from embedboard.runners.data.data_source import check_mirror, default_data_dir
    from embedboard.tasks.suites import filter_task_types, get_suite, resolve_tasks

    args.tasks, args.task_types = _flat(args.tasks), _flat(args.task_types)
    if not args.suite and not args.tasks:
        raise EmbedboardError(
            "Say what to run: --suite S (see `embedboard suites`) and/or --tasks T1,T2."
        )
    if args.quiet:
        from embedboard.quiet import silence_library_progress

        silence_library_progress()
    data_dir = default_data_dir(args.data_dir)
    suite = get_suite(args.suite) if args.suite else None
    # Resolve everything cheap before loading a model: a typo fails in a second, not after a download.
    from embedboard.models.card_lookup import card_from_args

    card = card_from_args(args)
    if args.dims:
        card.check_dims(args.dims)
    from embedboard.cli.plan import prefill_if_asked, scale_options

    scale = scale_options(args, bright=suite is not None and suite.runner == "bright")
    model_from_hub = preflight.check_eval(args, card)
    if suite is not None and suite.runner == "bright":
        preflight.check_hub(model_from_hub)
        return _eval_bright(args, card, suite, data_dir)
    tasks = suite.mteb_tasks(args.tasks) if suite else resolve_tasks(args.tasks)
    tasks = filter_task_types(tasks, args.task_types)
    check_mirror(tasks, data_dir, suite.name if suite else "SUITE")

    from embedboard.runners.mteb.runner import finished_runs, run_mteb_tasks

    done_already = finished_runs(
        card,
        tasks,
        args.results,
        args.dims,
        args.overwrite,
        instructions=args.instructions,
        data_dir=data_dir,
        suite_name=suite.name if suite else "SUITE",
    )
    if done_already is not None:
        for line in done_already:
            print(line)
        print(
            f"0 task run(s) written, {len(done_already)} skipped; the model was not loaded. Results under {args.results}/"
        )
        return 0
    preflight.check_hub(model_from_hub + preflight.data_from_hub(tasks, data_dir))

    if args.no_cache and args.dims:
        # Extra dims are served from the full vectors; without a cache they would be re-encoded.
        import tempfile

        scratch = tempfile.TemporaryDirectory(prefix="embedboard-dims-")
        args.no_cache, args.cache_dir = False, scratch.name
        print(f"--no-cache with --dims: keeping this run's vectors in {scratch.name} until it ends")
    auto_probe(args, card)
    encoder = _load_encoder(args, card)
    runtime = _runtime(args, encoder)
    runtime.update(
        prefill_if_asked(args, scale, encoder, tasks, data_dir, suite.name if suite else "SUITE")
    )

    outcomes = run_mteb_tasks(
        encoder,
        tasks,
        results_root=args.results,
        data_dir=data_dir,
        suite_name=suite.name if suite else "SUITE",
        dims=args.dims,
        overwrite=args.overwrite,
        runtime=runtime,
    )
    done = sum(o.status == "done" for o in outcomes)
    print(
        f"{done} task run(s) written, {len(outcomes) - done} skipped; results under {args.results}/"
    )
    return 0


def _load_encoder(args: argparse.Namespace, card: Any) -> Any:
    from embedboard.models.registry import load_adapter

    return load_adapter(
        card,
        device=args.device,
        batch_size=args.batch_size,
        cache_dir=None if args.no_cache else args.cache_dir,
        instructions=args.instructions,
        show_progress=not args.quiet,
        api_base=args.api_base,
        cpu_linear=args.cpu_linear,
    )


def _runtime(args: argparse.Namespace, encoder: Any) -> dict[str, Any]:
    return {
        "device": getattr(encoder, "device", "remote"),
        "dtype": encoder.card.dtype,
        "batch_size": encoder.card.batch_size,
        "cpu_linear": getattr(encoder, "cpu_linear", None),
        "cache": None if args.no_cache else "on",
        "instruction_table": getattr(encoder, "instruction_table", None),
    }


def _eval_bright(args: argparse.Namespace, card: Any, suite: Any, data_dir: str | None) -> int:
    import importlib

    try:
        bright = importlib.import_module("embedboard.runners.bright")
    except ImportError as err:
        raise EmbedboardError(f"The BRIGHT runner is not installed: {err}") from err
    from embedboard.runners.store.results_store import ResultsStore

    encoder = _load_encoder(args, card)
    domains = args.tasks or list(suite.domains)
    store = ResultsStore(args.results, card.result_name, card.revision or "no_revision_available")
    summary = bright.run_bright(
        encoder,
        store,
        domains=domains,
        long_context=suite.long_context,
        query_variant=args.query_variant,
        data_dir=data_dir,
        overwrite=args.overwrite,
        show_progress=not args.quiet,
        instructions=args.instructions,
        runtime=_runtime(args, encoder),
    )
    metric = bright.main_score(
        suite.long_context
    )  # recall_at_1 in the long setting, as the paper reports
    label = {"ndcg_at_10": "nDCG@10", "recall_at_1": "Recall@1"}[metric]
    for domain, outcome in summary["domains"].items():
        score = outcome.get(metric)
        shown = f"{label} {score * 100:.1f}" if score is not None else outcome["status"]
        print(f"  {domain:<22} {shown}")
    return 0


def add_listings(subparsers: Any) -> None:
    p = subparsers.add_parser("models", help="list registered models (no torch import)")
    p.set_defaults(func=cmd_models)
    p = subparsers.add_parser("suites", help="list suites, or the tasks of one suite")
    p.add_argument("--tasks", metavar="SUITE", help="list the tasks of this suite")
    p.set_defaults(func=cmd_suites)


def cmd_models(args: argparse.Namespace) -> int:
    from embedboard.models.registry import load_cards

    rows = [("name", "adapter", "dim", "pooling", "instructions", "source")]
    for card in load_cards().values():
        rows.append(
            (
                card.name,
                card.adapter,
                str(card.dim or "?"),
                card.pooling or "-",
                card.instructions or "-",
                card.source,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    from embedboard.tasks.suites import get_suite, load_suites

    if args.tasks:
        for name in get_suite(args.tasks).task_names():
            print(name)
        return 0
    for suite in load_suites().values():
        print(f"{suite.name:<12} {suite.runner:<7} {suite.description}")
    return 0


def add_data(subparsers: Any) -> None:
    p = subparsers.add_parser("data", help="manage local dataset mirrors")
    sub = p.add_subparsers(dest="data_command", required=True)
    pull = sub.add_parser(
        "pull", help="download a suite's datasets (pinned revisions) into a mirror folder"
    )
    pull.add_argument("suite")
    pull.add_argument("--data-dir", required=True)
    pull.set_defaults(func=cmd_data_pull)


def cmd_data_pull(args: argparse.Namespace) -> int:
    from embedboard.runners.data.data_source import pull
    from embedboard.tasks.suites import BRIGHT_HF_PATH, get_suite

    suite = get_suite(args.suite)
    if suite.runner == "bright":
        targets = [(BRIGHT_HF_PATH, None)]
    else:
        targets = sorted(
            {
                (t.metadata.dataset["path"], t.metadata.dataset.get("revision"))
                for t in suite.mteb_tasks()
            }
        )
    from embedboard.preflight import check_hub, check_writable_folder

    check_writable_folder(args.data_dir, "--data-dir")
    check_hub([f"dataset {path}" for path, _ in targets])
    written = pull(targets, args.data_dir)
    print(f"{len(written)} dataset(s) in {args.data_dir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="embedboard",
        description="Evaluate text-embedding models on MTEB(eng, v2), C-MTEB and BRIGHT; report leaderboards.",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show tracebacks (also after the sub-command; env EMBEDBOARD_DEBUG=1)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_eval(subparsers)
    add_listings(subparsers)
    add_data(subparsers)
    add_server_commands(subparsers)
    from embedboard.cli.plan import add_plan

    add_plan(subparsers)
    try:
        from embedboard.cli.report import register as register_reports
    except ImportError:
        register_reports = None
    if register_reports is not None:
        register_reports(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    debug, argv = debug_requested(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    return run_reporting_failures(args.func, args, debug)


if __name__ == "__main__":
    sys.exit(main())

"""`embedboard report` and `embedboard regress`: registered on the main parser by embedboard/cli/main.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from embedboard.atomic import atomic_write_text
from embedboard.errors import EmbedboardError

REPORT_EPILOG = """examples:
  embedboard report --suite mteb-eng-v2 --results ../shared/reference/results
  embedboard report --suite bright --format html --output bright.html --details
  embedboard report --suite cmteb --profile cmteb-legacy             # old C-MTEB metrics, as model cards quote them
  embedboard report --suite mteb-eng-v2 --readme README.md          # fill the marked section
  embedboard report --readme README.md --all-marked --results results  # every marked section (make report)
  embedboard report --mrl --model sentence-transformers/all-MiniLM-L6-v2 --out-dir mrl/

README markers: <!-- embedboard:SUITE:start --> ... <!-- embedboard:SUITE:end -->"""

REGRESS_EPILOG = """DIR_A / DIR_B are revision folders (results/<org>__<model>/<revision>), experiment
folders (.../experiments/embed_dim_<d>), or a model folder whose revisions are merged (mteb's
official files split a model over several revision folders). Per-item scores in <folder>/embedboard/items/<Task>.jsonl
enable the paired bootstrap; without them a task's delta is reported without a test.
exit status: 0 no regression, 1 regression, 2 input error (e.g. a task missing on one side)."""


def register(subparsers: Any) -> None:
    """Add `report` and `regress` to the main parser's subparsers."""
    report = subparsers.add_parser(
        "report",
        help="leaderboard tables (md/csv/html), README sections, MRL plots",
        description="Leaderboard tables from result files, in the layout model cards print. Reads results only; never runs a model.",
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument(
        "--suite",
        help="mteb-eng-v2, cmteb, bright, bright-long, or a suite from `embedboard suites`",
    )
    report.add_argument(
        "--profile",
        metavar="NAME",
        help="a table profile of the suite (per-task metric/split overrides, named in the footnote), "
        "e.g. cmteb-legacy for cmteb; see reports/leaderboards.yaml",
    )
    report.add_argument(
        "--results",
        nargs="+",
        default=["results"],
        metavar="DIR",
        help="results roots, model, revision or experiment folders (mteb layout); default: results",
    )
    report.add_argument(
        "--model",
        action="append",
        metavar="NAME",
        help="only this model (org/name or name); repeatable. Required with --mrl",
    )
    report.add_argument(
        "--format",
        choices=("md", "csv", "html"),
        help="output format (default: from --output's suffix, else md)",
    )
    report.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    report.add_argument(
        "--details",
        action="store_true",
        help="add a per-task (per-domain for BRIGHT) table (HTML always has it)",
    )
    report.add_argument(
        "--allow-partial",
        action="store_true",
        help="compute AVG and type means over the tasks present and mark the row (off: such cells say what is missing)",
    )
    report.add_argument(
        "--experiments", action="store_true", help="also list experiment folders (MRL dims) as rows"
    )
    report.add_argument(
        "--readme", metavar="FILE", help="replace the suite's marked section of this Markdown file"
    )
    report.add_argument(
        "--all-marked",
        action="store_true",
        help="with --readme: regenerate every marked suite in the file",
    )
    report.add_argument(
        "--mrl",
        action="store_true",
        help="score vs dimension plots (PNG+SVG) and a drop table for --model",
    )
    report.add_argument(
        "--out-dir",
        default="embedboard-mrl",
        metavar="DIR",
        help="where --mrl writes its files (default: embedboard-mrl)",
    )
    report.add_argument(
        "--native-dim",
        type=int,
        metavar="D",
        help="the model's full dimension, if model_meta.json lacks it",
    )
    report.set_defaults(func=cmd_report)

    regress = subparsers.add_parser(
        "regress",
        help="regression gate: compare a candidate's results with a baseline's",
        description="Per-task, per-type and AVG deltas as Markdown, with a paired bootstrap over per-item scores.",
        epilog=REGRESS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    regress.add_argument(
        "--baseline",
        required=True,
        metavar="DIR_A",
        help="baseline revision, experiment or model folder",
    )
    regress.add_argument(
        "--candidate",
        required=True,
        metavar="DIR_B",
        help="candidate revision, experiment or model folder",
    )
    regress.add_argument(
        "--suite",
        help="compare only this suite's tasks (default: every task, which both sides must have)",
    )
    regress.add_argument(
        "--tasks",
        metavar="A,B",
        help="with --suite: compare only these of its tasks (comma-separated)",
    )
    regress.add_argument(
        "--max-avg-drop",
        type=float,
        default=0.3,
        metavar="POINTS",
        help="largest AVG drop that passes, in points (default 0.3)",
    )
    regress.add_argument(
        "--max-task-drop",
        type=float,
        default=1.0,
        metavar="POINTS",
        help="largest task drop that passes, in points (default 1.0)",
    )
    regress.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples (default 1000)",
    )
    regress.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    regress.add_argument(
        "--alpha",
        type=float,
        default=0.05,
        metavar="P",
        help="one-sided significance level of a drop (default 0.05)",
    )
    regress.add_argument("--output", metavar="FILE", help="also write the Markdown report here")
    regress.set_defaults(func=cmd_regress)


def _emit(text: str, output: str | None) -> None:
    if output:
        atomic_write_text(output, text)
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)


def cmd_report(args: argparse.Namespace) -> int:
    """`embedboard report`: one of tables, README sections, or MRL plots."""
    if args.profile and not args.suite:
        raise EmbedboardError(
            "--profile needs --suite: profiles belong to a suite (see reports/leaderboards.yaml)."
        )
    if args.mrl:
        return _report_mrl(args)
    if args.all_marked:
        if not args.readme:
            raise EmbedboardError("--all-marked needs --readme FILE.")
        return _report_readme_all(args)
    if not args.suite:
        raise EmbedboardError(
            "Pass --suite (see `embedboard suites`), or --mrl, or --readme FILE --all-marked."
        )
    from embedboard.reports.loading import discover
    from embedboard.reports.render import render, to_markdown
    from embedboard.reports.suites import resolve_suite
    from embedboard.reports.tables import details, leaderboard, model_entries

    fmt = args.format or (
        Path(args.output).suffix.lstrip(".").replace("markdown", "md") if args.output else "md"
    )
    if fmt not in ("md", "csv", "html") and not args.readme:
        raise EmbedboardError(
            f"Cannot tell the format from {args.output}; pass --format md|csv|html."
        )
    suite = resolve_suite(args.suite, args.profile)
    entries = model_entries(discover(args.results), args.model, args.experiments)
    # The HTML page is the full leaderboard (rank, mean over types, model facts); Markdown keeps the model-card layout.
    tables = [
        leaderboard(entries, suite, args.allow_partial, extended=fmt == "html" and not args.readme)
    ]
    if args.details or (
        fmt == "html" and not args.readme
    ):  # the HTML page always carries the per-task table
        tables.append(details(entries, suite))
    if args.readme:
        from embedboard.reports.readme import update_readme

        changed = update_readme(
            args.readme,
            {suite.name: "\n".join(to_markdown(t, with_title=i > 0) for i, t in enumerate(tables))},
        )
        print(
            f"{args.readme}: {suite.name} section {'updated' if changed else 'already up to date'}",
            file=sys.stderr,
        )
        return 0
    _emit(render(tables, fmt, title=f"embedboard: {suite.title}"), args.output)
    return 0


def _report_readme_all(args: argparse.Namespace) -> int:
    from embedboard.reports.loading import discover
    from embedboard.reports.readme import marked_suites, update_readme
    from embedboard.reports.render import to_markdown
    from embedboard.reports.suites import resolve_suite
    from embedboard.reports.tables import NoResultsError, leaderboard, model_entries

    text = Path(args.readme).read_text(encoding="utf-8") if Path(args.readme).is_file() else ""
    suites = marked_suites(text)
    if not suites:
        raise EmbedboardError(
            f"{args.readme} has no <!-- embedboard:SUITE:start --> markers (or does not exist)."
        )
    entries = model_entries(discover(args.results), args.model, args.experiments)
    bodies = {}
    for name in suites:
        try:
            bodies[name] = to_markdown(
                leaderboard(entries, resolve_suite(name), args.allow_partial)
            )
        except NoResultsError:
            # A fresh checkout has marked sections before it has results: say so, don't fail `make report`.
            bodies[name] = f"_No results yet for suite {name} under {', '.join(args.results)}._\n"
    changed = update_readme(args.readme, bodies)
    print(
        f"{args.readme}: {', '.join(suites)} {'updated' if changed else 'already up to date'}",
        file=sys.stderr,
    )
    return 0


def _report_mrl(args: argparse.Namespace) -> int:
    from embedboard.reports.loading import discover
    from embedboard.reports.mrl import build_curve, drop_table, model_dims, native_dim
    from embedboard.reports.mrl_plot import plot_stem, save_plots
    from embedboard.reports.render import to_markdown
    from embedboard.reports.suites import known_suites, resolve_suite

    if not args.model or len(args.model) != 1:
        raise EmbedboardError(
            "--mrl needs exactly one --model NAME (org/name as in the results folder)."
        )
    by_dim = model_dims(discover(args.results), args.model[0])
    full = native_dim(by_dim[None], args.native_dim)
    outputs = []
    for name in [args.suite] if args.suite else known_suites():
        curve = build_curve(by_dim, resolve_suite(name, args.profile), full)
        if curve is None:
            continue
        markdown = to_markdown(drop_table(curve), with_title=True)
        files = save_plots(curve, args.out_dir)
        table_path = plot_stem(args.out_dir, curve).with_suffix(".md")
        atomic_write_text(table_path, markdown)
        outputs.append(
            markdown + "\nFiles: " + ", ".join(str(p) for p in [*files, table_path]) + "\n"
        )
    if not outputs:
        raise EmbedboardError(
            f"No suite has tasks scored at every dimension for {args.model[0]}; pass --suite or run the missing dims."
        )
    _emit("\n".join(outputs), None)
    return 0


def _only_tasks(suite: Any, tasks: str) -> Any:
    """The suite cut down to the named tasks (a CI gate on a subset); names it lacks are an error."""
    from dataclasses import replace

    if suite is None:
        raise EmbedboardError("--tasks needs --suite (the suite says how each task is scored).")
    wanted = [t.strip() for t in tasks.replace(" ", ",").split(",") if t.strip()]
    unknown = [t for t in wanted if suite.task(t) is None]
    if unknown:
        raise EmbedboardError(
            f"Suite {suite.name} has no task {', '.join(unknown)}; its tasks: {', '.join(t.name for t in suite.tasks)}."
        )
    return replace(suite, tasks=tuple(t for t in suite.tasks if t.name in wanted))


def cmd_regress(args: argparse.Namespace) -> int:
    """`embedboard regress`: 1 on regression, 0 otherwise; input errors raise (exit 2)."""
    from embedboard.reports.regress import Thresholds, compare
    from embedboard.reports.regress_render import to_markdown
    from embedboard.reports.suites import resolve_suite

    if args.bootstrap < 1:
        raise EmbedboardError("--bootstrap must be at least 1.")
    thresholds = Thresholds(
        args.max_avg_drop, args.max_task_drop, args.alpha, args.bootstrap, args.seed
    )
    suite = resolve_suite(args.suite) if args.suite else None
    if args.tasks:
        suite = _only_tasks(suite, args.tasks)
    comparison = compare(args.baseline, args.candidate, suite, thresholds)
    markdown = to_markdown(comparison)
    sys.stdout.write(markdown)
    if args.output:
        atomic_write_text(args.output, markdown)
    return 1 if comparison.regressed else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (`python -m embedboard.cli.report report ...`), exit codes as embedboard's."""
    parser = argparse.ArgumentParser(prog="embedboard")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except EmbedboardError as err:
        print(f"embedboard: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

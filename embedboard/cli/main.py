"""`embedboard` command line: builds the parser from the verb modules and runs one verb.

Each verb's options and action live in a module of their own (eval, plan, probe, cards,
suites, data, report); they import shared pieces (`options`, `request`), never this module,
so there is no import circle.
"""

from __future__ import annotations

import sys

from embedboard.cli import cards, data, plan, probe, report, suites
from embedboard.cli import eval as eval_verb
from embedboard.failures import OneLineParser, debug_requested, run_reporting_failures

VERBS = (eval_verb, plan, cards, suites, data, probe, report)


def build_parser() -> OneLineParser:
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
    for verb in VERBS:
        verb.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    debug, argv = debug_requested(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(argv)
    return run_reporting_failures(args.func, args, debug)


if __name__ == "__main__":
    sys.exit(main())

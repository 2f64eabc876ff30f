"""`embedboard suites`: the suites there are, or the tasks of one."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("suites", help="list suites, or the tasks of one suite")
    p.add_argument("--tasks", metavar="SUITE", help="list the tasks of this suite")
    p.set_defaults(func=cmd_suites)


def cmd_suites(args: argparse.Namespace) -> int:
    from embedboard.tasks.suites import get_suite, load_suites

    if args.tasks:
        for name in get_suite(args.tasks).task_names():
            print(name)
        return 0
    for suite in load_suites().values():
        print(f"{suite.name:<12} {suite.runner:<7} {suite.description}")
    return 0

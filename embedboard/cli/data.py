"""`embedboard data pull`: fill a local dataset mirror with a suite's datasets (pinned revisions)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("data", help="manage local dataset mirrors")
    sub = p.add_subparsers(dest="data_command", required=True)
    pull = sub.add_parser(
        "pull", help="download a suite's datasets (pinned revisions) into a mirror folder"
    )
    pull.add_argument("suite")
    pull.add_argument("--data-dir", required=True)
    pull.set_defaults(func=cmd_data_pull)


def cmd_data_pull(args: argparse.Namespace) -> int:
    from embedboard.preflight import check_hub, check_writable_folder
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
    check_writable_folder(args.data_dir, "--data-dir")
    check_hub([f"dataset {path}" for path, _ in targets])
    written = pull(targets, args.data_dir)
    print(f"{len(written)} dataset(s) in {args.data_dir}")
    return 0

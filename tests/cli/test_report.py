"""The `report`/`regress` subcommands plug into any argparse parser; the CI workflow is well-formed."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from embedboard.cli.report import cmd_regress, cmd_report, register

REPO = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="embedboard")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_register_sets_funcs_and_defaults():
    args = _parser().parse_args(["regress", "--baseline", "a", "--candidate", "b"])
    assert args.func is cmd_regress
    assert (args.max_avg_drop, args.max_task_drop, args.bootstrap, args.seed, args.suite) == (
        0.3,
        1.0,
        1000,
        0,
        None,
    )
    args = _parser().parse_args(["report", "--suite", "bright"])
    assert args.func is cmd_report and args.results == ["results"] and not args.allow_partial


@pytest.mark.parametrize("command", ["report", "regress"])
def test_help_texts(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert (
        "examples:" in out
        if command == "report"
        else "exit status: 0 no regression, 1 regression, 2 input error" in out
    )


def test_main_cli_registers_reports():
    cli = pytest.importorskip("embedboard.cli.main")
    args = cli.build_parser().parse_args(["regress", "--baseline", "a", "--candidate", "b"])
    assert args.func is cmd_regress


def test_report_never_imports_torch(reference):
    import subprocess
    import sys

    code = (
        "import sys; from embedboard.cli.report import main; "
        f"main(['report', '--suite', 'mteb-eng-v2', '--results', {str(reference)!r}]); "
        "assert 'torch' not in sys.modules, 'reports imported torch'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_workflow_file():
    path = REPO / ".github" / "workflows" / "embedboard-regress.yml"
    workflow = yaml.safe_load(path.read_text())
    steps = workflow["jobs"]["regress"]["steps"]
    script = "\n".join(step.get("run", "") for step in steps)
    assert 'embedboard eval --model "$CHECKPOINT" --suite "$SUITE" --data-dir' in script
    assert (
        'embedboard regress --baseline "$BASELINE_DIR"' in script
        and "$GITHUB_STEP_SUMMARY" in script
    )
    # The default baseline is the committed MiniLM run (tests/reports/test_regress_ci_workflow.py runs the steps).
    baseline = workflow["jobs"]["regress"]["env"]["BASELINE"]
    assert (
        "'results/sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a'"
        in baseline
    )

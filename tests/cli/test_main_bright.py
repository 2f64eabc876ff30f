"""`embedboard eval --suite bright` end to end through the CLI, on a small local BRIGHT mirror."""

from __future__ import annotations

import json

import pytest

from embedboard.cli.main import main

REVISION_FOLDER = "sentence-transformers__all-MiniLM-L6-v2/8b3219a92973c328a8e22fadcfa821b5dc75636a"


@pytest.mark.slow
def test_bright_suite_runs_from_the_cli_and_resumes(
    bright_data_dir, datasets_cache, tmp_path, capsys
):
    args = [
        "eval",
        "--model",
        "all-MiniLM-L6-v2",
        "--suite",
        "bright",
        "--tasks",
        "biology,pony",
        "--data-dir",
        str(bright_data_dir),
        "--results",
        str(tmp_path / "results"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--quiet",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "biology" in out and "nDCG@10" in out
    payload = json.loads(
        (tmp_path / "results" / REVISION_FOLDER / "BrightRetrieval.json").read_text()
    )
    assert payload["task_name"] == "BrightRetrieval"
    assert sorted(entry["hf_subset"] for entry in payload["scores"]["standard"]) == [
        "biology",
        "pony",
    ]

    assert main(args) == 0  # a re-run skips both domains
    assert "skipped" in capsys.readouterr().out

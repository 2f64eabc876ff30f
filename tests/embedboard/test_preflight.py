"""Checks that need no model and no data fail first, in one line, before anything loads (issue 15)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from embedboard.cli.main import main
from embedboard.models.registry import get_card
from embedboard.runners.store.results_store import ResultsStore
from tests.support.cli_runs import error_line, run_child
from tests.support.paths import MIRROR

MINILM = [
    "eval",
    "-m",
    "all-MiniLM-L6-v2",
    "--suite",
    "smoke",
    "-t",
    "STS12",
    "--data-dir",
    str(MIRROR),
]


def test_results_that_is_a_file_fails_in_one_line_before_the_model_loads(
    tmp_path, fails, no_model_load
):
    (tmp_path / "afile").write_text("x")
    line = fails(*MINILM, "--results", str(tmp_path / "afile"))
    assert "--results" in line and "is a file, not a folder" in line


def test_results_folder_that_cannot_be_created(tmp_path, fails, no_model_load):
    (tmp_path / "afile").write_text("x")
    line = fails(*MINILM, "--results", str(tmp_path / "afile" / "sub"))
    assert "cannot be created" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_results_folder_that_is_not_writable(tmp_path, fails, no_model_load):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    line = fails(*MINILM, "--results", str(locked))
    assert "not writable" in line


def test_cache_dir_that_is_a_file(tmp_path, fails, no_model_load):
    (tmp_path / "afile").write_text("x")
    line = fails(*MINILM, "--results", str(tmp_path / "r"), "--cache-dir", str(tmp_path / "afile"))
    assert "--cache-dir" in line


def test_data_dir_that_is_not_a_folder(tmp_path, fails, no_model_load):
    argv = [
        "eval",
        "-m",
        "all-MiniLM-L6-v2",
        "--suite",
        "smoke",
        "-t",
        "STS12",
        "--results",
        str(tmp_path / "r"),
    ]
    line = fails(*argv, "--data-dir", str(tmp_path / "typo"))
    assert "--data-dir" in line and "typo" in line and "data pull" in line


def test_missing_or_broken_instructions_file(tmp_path, fails, no_model_load):
    line = fails(
        *MINILM, "--results", str(tmp_path / "r"), "--instructions", str(tmp_path / "nope.yaml")
    )
    assert "nope.yaml" in line and "does not exist" in line
    broken = tmp_path / "broken.yaml"
    broken.write_text("applies_to: [query\n")
    assert "broken.yaml" in fails(
        *MINILM, "--results", str(tmp_path / "r"), "--instructions", str(broken)
    )


def test_missing_api_key_is_named_before_any_data_loads(
    tmp_path, fails, no_model_load, monkeypatch
):
    monkeypatch.delenv("ARK_API_KEY", raising=False)
    line = fails(
        "eval",
        "-m",
        "seed1.5-embedding",
        "--suite",
        "smoke",
        "-t",
        "STS12",
        "--results",
        str(tmp_path),
    )
    assert "ARK_API_KEY" in line


def test_unknown_device_names_the_choices(tmp_path, fails, no_model_load):
    line = fails(*MINILM, "--results", str(tmp_path), "--device", "gpu")
    assert "'gpu'" in line and "did you mean cuda" in line and "cpu" in line


def test_cuda_asked_for_without_cuda(tmp_path, fails, no_model_load):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert "no CUDA device" in fails(*MINILM, "--results", str(tmp_path), "--device", "cuda")


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--batch-size", "0", "--batch-size"),
        ("--max-length", "-5", "--max-length"),
        ("--dims", "0", "positive"),
    ],
)
def test_arguments_out_of_range(tmp_path, fails, no_model_load, flag, value, words):
    assert words in fails(*MINILM, "--results", str(tmp_path), flag, value)


def test_half_precision_on_cpu_is_refused_before_loading(tmp_path, fails, no_model_load):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert "--dtype fp16" in fails(
        *MINILM, "--results", str(tmp_path), "--device", "cpu", "--dtype", "fp16"
    )


def test_git_lfs_pointer_checkpoint_says_git_lfs_pull(
    tmp_path, tiny_bert_dir, fails, no_model_load
):
    checkpoint = tmp_path / "ckpt"
    shutil.copytree(tiny_bert_dir, checkpoint)
    (checkpoint / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 12345\n"
    )
    line = fails(
        "eval",
        "-m",
        str(checkpoint),
        "--pooling",
        "mean",
        "--suite",
        "smoke",
        "--results",
        str(tmp_path / "r"),
    )
    assert "model.safetensors" in line and "git lfs pull" in line


def test_hub_unreachable_fails_fast_with_the_offline_fix(
    tmp_path, tiny_bert_dir, fails, no_model_load, monkeypatch
):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: refused at once
    line = fails(
        "eval",
        "-m",
        str(tiny_bert_dir),
        "--pooling",
        "mean",
        "-t",
        "STS12",
        "--results",
        str(tmp_path),
    )
    assert (
        "unreachable" in line
        and "HF_HUB_OFFLINE=1" in line
        and "--data-dir" in line
        and "mteb/sts12-sts" in line
    )


def test_model_is_not_loaded_when_every_task_is_done(
    tmp_path, tiny_bert_dir, no_model_load, capsys
):
    card = get_card(str(tiny_bert_dir), pooling="mean")
    store = ResultsStore(tmp_path, card.result_name, card.revision)
    for task in ("STS12", "STS13"):
        store.task_path(task).parent.mkdir(parents=True, exist_ok=True)
        store.task_path(task).write_text(json.dumps({"task_name": task}))
    argv = [
        "eval",
        "-m",
        str(tiny_bert_dir),
        "--pooling",
        "mean",
        "--suite",
        "smoke",
        "-t",
        "STS12",
        "STS13",
    ]
    assert main([*argv, "--data-dir", str(MIRROR), "--results", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "skip  STS12" in out and "skip  STS13" in out and "not loaded" in out
    done_line = f"All 2 task run(s) are already done in {tmp_path}/"
    assert done_line in out and "--overwrite" in out and "--results <another folder>" in out
    # `plan` takes the same line and says the same in one line, without loading the model.
    plan_argv = ["plan", *argv[1:], "--data-dir", str(MIRROR), "--results", str(tmp_path)]
    assert main(plan_argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith(done_line) and "nothing to plan" in lines[-1]


def test_child_process_exit_code_and_single_line(tmp_path):
    """The whole path a user sees: exit 2, one stderr line, no traceback; --debug shows it."""
    (tmp_path / "afile").write_text("x")
    done = run_child(*MINILM, "--results", str(tmp_path / "afile"))
    assert done.returncode == 2
    assert "is a file" in error_line(done.stderr)
    debug = run_child(*MINILM, "--results", str(tmp_path / "afile"), "--debug")
    assert debug.returncode == 2 and "Traceback" in debug.stderr

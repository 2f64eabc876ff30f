"""Damaged inputs and hostile names from the adversarial pass (issue 15): one line naming the file, no escape."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys

import pytest

import embedboard.models.registry as registry
from embedboard.errors import EmbedboardError
from embedboard.failures import run_reporting_failures
from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import EmbeddingCache
from embedboard.runners.data.mirror_check import damaged_mirror_error
from embedboard.runners.store.results_store import ResultsStore
from tests.support.cli_runs import child_env, error_line
from tests.support.paths import MIRROR

STS12 = MIRROR / "mteb" / "sts12-sts"


@pytest.fixture
def cards_dir(tmp_path, monkeypatch):
    """A private models/cards/ folder (the registry caches what it read: cleared around the test)."""
    folder = tmp_path / "cards"
    folder.mkdir()
    monkeypatch.setattr(registry, "CARDS_DIR", folder)
    registry.load_cards.cache_clear()
    yield folder
    registry.load_cards.cache_clear()


# ---- names used as paths ---------------------------------------------------------------------
@pytest.mark.parametrize("revision", ["../../../x", "..", "a/b", "/abs", "a\\b", ""])
def test_card_revision_that_leaves_its_folder_is_refused(revision):
    with pytest.raises(EmbedboardError, match="revision.*cannot be used as a folder name"):
        ModelCard.from_dict({"name": "m", "adapter": "hf", "source": "x", "revision": revision})


def test_results_store_refuses_escaping_parts(tmp_path):
    with pytest.raises(EmbedboardError):
        ResultsStore(tmp_path, "org/name", "../../x")
    with pytest.raises(EmbedboardError):
        ResultsStore(tmp_path, "org/name", "main").task_path("../../evil")
    # "org/name" and odd names stay inside: the writer flattens "/" into "__".
    store = ResultsStore(tmp_path, "../..", "main")
    assert tmp_path in store.task_path("STS12").parents


def test_card_with_escaping_revision_writes_nothing_outside_results(
    tmp_path, cards_dir, tiny_bert_dir, fails
):
    (cards_dir / "evil.yaml").write_text(
        f"- name: evil\n  adapter: hf\n  source: {tiny_bert_dir}\n  pooling: mean\n  revision: ../../../escaped\n"
    )
    results = tmp_path / "deep" / "er" / "results"
    line = fails("eval", "-m", "evil", "--suite", "smoke", "-t", "STS12", "--results", str(results))
    assert "revision" in line and "evil.yaml" in line
    assert not list(tmp_path.rglob("escaped*"))


def test_card_yaml_syntax_error_names_the_file_and_line(cards_dir, fails):
    (cards_dir / "broken.yaml").write_text("- name: x\n  adapter: [hf\n")
    line = fails("models")
    assert "broken.yaml, line" in line and "<unicode string>" not in line


# ---- tasks -----------------------------------------------------------------------------------
def test_task_without_suite_keeps_its_benchmark_splits():
    """`--tasks STSB` alone once wanted a validation split the C-MTEB mirror does not have."""
    from embedboard.tasks.suites import resolve_tasks

    assert resolve_tasks(["STSB"])[0].eval_splits == ["test"]


# ---- damaged mirror files --------------------------------------------------------------------
def _mirror_copy(tmp_path, rewrite):
    copy = tmp_path / "mirror" / "mteb" / "sts12-sts"
    shutil.copytree(STS12, copy)
    data = copy / "data" / "test.jsonl"
    data.write_text(rewrite(data.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    return copy, data


def test_malformed_json_line_names_file_and_line(tmp_path):
    copy, data = _mirror_copy(
        tmp_path, lambda lines: "\n".join([*lines[:4], '{"sentence1": "bro', *lines[5:]]) + "\n"
    )
    message = str(
        damaged_mirror_error(
            RuntimeError("An error occurred while generating the dataset"), "STS12", str(copy)
        )
    )
    assert str(data) in message and "line 5 is not valid JSON" in message


def test_empty_split_names_the_file(tmp_path):
    copy, data = _mirror_copy(tmp_path, lambda lines: "")
    message = str(damaged_mirror_error(StopIteration(), "STS12", str(copy)))
    assert str(data) in message and "has no rows" in message


def test_missing_column_names_the_column_and_files(tmp_path):
    def drop_score(lines):
        return "".join(
            json.dumps({k: v for k, v in json.loads(line).items() if k != "score"}) + "\n"
            for line in lines
        )

    copy, _ = _mirror_copy(tmp_path, drop_score)
    message = str(
        damaged_mirror_error(ValueError("Column 'score' doesn't exist."), "STS12", str(copy))
    )
    assert "'score' is missing" in message and "data/test.jsonl" in message


def test_sound_data_leaves_other_errors_alone(tmp_path):
    copy, _ = _mirror_copy(tmp_path, lambda lines: "\n".join(lines) + "\n")
    assert damaged_mirror_error(TypeError("a bug of ours"), "STS12", str(copy)) is None


@pytest.mark.slow
def test_damaged_mirror_through_the_cli(tmp_path, tiny_bert_dir):
    """End to end: datasets' own error for a torn line becomes one line naming the file (about 20 s)."""
    copy, data = _mirror_copy(
        tmp_path, lambda lines: "\n".join([*lines[:2], "{not json", *lines[3:]]) + "\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "embedboard.cli",
            "eval",
            "-m",
            str(tiny_bert_dir),
            "--pooling",
            "mean",
            "--suite",
            "smoke",
            "-t",
            "STS12",
            "--data-dir",
            str(tmp_path / "mirror"),
            "--results",
            str(tmp_path / "r"),
            "--no-cache",
            "--quiet",
        ],
        env=child_env(HF_DATASETS_CACHE=str(tmp_path / "hf-datasets")),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    line = error_line(done.stderr)
    assert str(data) in line and "line 3" in line


# ---- cache, disk -----------------------------------------------------------------------------
def test_damaged_cache_file_names_the_file_and_the_fix(tmp_path):
    (tmp_path / "ns.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(
        EmbedboardError, match=r"ns\.sqlite is damaged.*delete that file.*--cache-dir"
    ):
        EmbeddingCache(tmp_path, "ns")


def test_full_disk_is_one_line(capsys):
    def write_fails(_args):
        raise OSError(errno.ENOSPC, "No space left on device", "/results/x.json")

    assert run_reporting_failures(write_fails, None, debug=False) == 2
    line = error_line(capsys.readouterr().err)
    assert "disk is full" in line and "/results/x.json" in line


def test_broken_pipe_exits_quietly(tmp_path):
    """`embedboard models | head -1`: the reader goes away; no traceback, the SIGPIPE exit code."""
    child = subprocess.Popen(
        [sys.executable, "-m", "embedboard.cli", "models"],
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child.stdout.close()  # before the child writes a byte
    stderr = child.stderr.read()
    assert child.wait() == 141
    assert stderr == ""

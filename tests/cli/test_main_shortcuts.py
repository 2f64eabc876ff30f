"""mteb's habits accepted (-m, -t, space- or comma-separated tasks, benchmark names), a task
counter, a bar that moves per batch, and a --quiet that silences the libraries too (issue 15)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedboard.cli.main import build_parser
from embedboard.cli.options import flat as _flat
from embedboard.errors import EmbedboardError, closest_names
from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import get_card
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import filter_task_types, get_suite


def test_short_flags_and_space_or_comma_separated_tasks():
    args = build_parser().parse_args(
        ["eval", "-m", "all-MiniLM-L6-v2", "-t", "STS12", "SciFact", "-t", "BQ,ATEC", "-q"]
    )
    assert args.model == "all-MiniLM-L6-v2" and args.quiet
    assert _flat(args.tasks) == ["STS12", "SciFact", "BQ", "ATEC"]
    assert _flat(build_parser().parse_args(["eval", "-m", "x", "--tasks", "A,B", "A"]).tasks) == [
        "A",
        "B",
    ]


@pytest.mark.parametrize(
    ("name", "ours"),
    [
        ("MTEB(eng, v2)", "mteb-eng-v2"),
        ("MTEB(cmn, v1)", "cmteb"),
        ("mteb(eng,v2)", "mteb-eng-v2"),
        ("BRIGHT", "bright"),
    ],
)
def test_mteb_benchmark_names_are_suite_names(name, ours):
    assert get_suite(name).name == ours


def test_other_mteb_benchmarks_build_a_suite():
    suite = get_suite("MTEB(deu, v1)")
    assert suite.runner == "mteb" and suite.benchmark == "MTEB(deu, v1)"
    assert len(suite.task_names()) > 5


def test_did_you_mean_never_repeats_a_name():
    with pytest.raises(EmbedboardError) as err:
        get_card("all-MiniLM")
    assert str(err.value).count("all-MiniLM-L6-v2") == 1
    assert closest_names("a", ["ab", "ab", "abc"]) == ["ab", "abc"]


def test_task_types_with_or_without_spaces():
    tasks = get_suite("mteb-eng-v2").mteb_tasks()
    assert {t.metadata.type for t in filter_task_types(tasks, ["S T S"])} == {"STS"}
    pairs = filter_task_types(tasks, ["Pair Classification"])
    assert pairs and pairs == filter_task_types(tasks, ["PairClassification"])
    with pytest.raises(EmbedboardError, match="Did you mean: Classification"):
        filter_task_types(tasks, ["Clasification"])


def test_task_counter_in_a_suite(tmp_path):
    from embedboard.runners.mteb.runner import run_mteb_tasks

    card = ModelCard(name="m", adapter="hf", source="x", dim=4, revision="r1")
    tasks = get_suite("smoke").mteb_tasks(["STS12", "STS13"])
    for task in ("STS12", "STS13"):
        path = ResultsStore(tmp_path, card.result_name, "r1").task_path(task)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"task_name": task}))
    log: list[str] = []
    # Every task is on disk: the base adapter is never asked for a vector.
    run_mteb_tasks(EmbeddingModel(card), tasks, results_root=tmp_path, echo=log.append)
    assert log[0].startswith("skip  STS12 [1/2]:") and log[1].startswith("skip  STS13 [2/2]:")


class PerItem(EmbeddingModel):
    """Reports progress after every input, as a local adapter does after every forward pass."""

    def embed(self, inputs):
        for _ in inputs:
            self.advance_progress(1)
        return np.ones((len(inputs), 4), dtype=np.float32)


class Silent(PerItem):
    def embed(self, inputs):
        return np.ones((len(inputs), 4), dtype=np.float32)


@pytest.mark.parametrize(("adapter", "expected"), [(PerItem, [1] * 10), (Silent, [10])])
def test_progress_moves_per_batch_not_per_chunk(monkeypatch, adapter, expected):
    import embedboard.models.base as base

    updates: list[int] = []

    class Bar:
        n = 0

        def __init__(self, **_):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def update(self, count):
            self.n += count
            if count:
                updates.append(count)

    monkeypatch.setattr(base, "tqdm", Bar)
    model = adapter(ModelCard(name="m", adapter="hf", source="x", dim=4), show_progress=True)
    model.encode([f"text {i}" for i in range(10)], TaskContext(name="STS12", type="STS"))
    assert updates == expected


def test_tiny_bert_reports_each_forward_pass(tiny_bert_dir, monkeypatch):
    from embedboard.models.registry import load_adapter

    encoder = load_adapter(
        get_card(str(tiny_bert_dir), pooling="mean"),
        device="cpu",
        show_progress=False,
        batch_size=4,
    )
    reported: list[int] = []
    monkeypatch.setattr(encoder, "advance_progress", reported.append)
    encoder.encode([f"the dog {i}" for i in range(10)], TaskContext(name="STS12", type="STS"))
    assert sum(reported) == 10 and max(reported) <= 4


def test_quiet_silences_library_bars(monkeypatch):
    import huggingface_hub.utils as hub_utils
    from transformers.utils import logging as transformers_logging

    from embedboard.quiet import silence_library_progress

    for name in (
        "HF_HUB_DISABLE_PROGRESS_BARS",
        "HF_DATASETS_DISABLE_PROGRESS_BARS",
        "TRANSFORMERS_VERBOSITY",
    ):
        monkeypatch.setenv(name, "")
    try:
        silence_library_progress()
        assert hub_utils.are_progress_bars_disabled()
        assert not transformers_logging.is_progress_bar_enabled()
    finally:
        hub_utils.enable_progress_bars()
        transformers_logging.enable_progress_bar()
        transformers_logging.set_verbosity_warning()

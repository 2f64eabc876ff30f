"""The mteb runner on real mirrored data with a tiny model: data-dir resolution, results
round trip through mteb.ResultCache, run records, and resume after an interrupted run."""

from __future__ import annotations

import json

import mteb
import pytest

from embedboard.errors import EmbedboardError
from embedboard.file_hashes import folder_sha256
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.data.data_source import check_mirror, locate
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import get_suite


def _encoder(tiny_st_dir, cache_dir=None):
    return load_adapter(
        get_card(str(tiny_st_dir)), device="cpu", cache_dir=cache_dir, show_progress=False
    )


def test_task_loads_from_the_mirror_folder_of_its_hf_path(mirror):
    task = get_suite("smoke").mteb_tasks(["SciFact"])[0]
    located, source = locate(task, str(mirror))
    assert source.kind == "local" and source.location == str(mirror / "mteb" / "scifact")
    assert located.metadata.dataset["path"] == str(mirror / "mteb" / "scifact")
    assert (
        task.metadata.dataset["path"] == "mteb/scifact"
    )  # the shared benchmark object is untouched
    _, hub = locate(task, None)
    assert hub.kind == "hub" and hub.revision == task.metadata.dataset["revision"]


def test_offline_without_the_folder_names_it_and_the_fill_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tasks = get_suite("smoke").mteb_tasks(["STS12", "ATEC"])
    with pytest.raises(EmbedboardError) as err:
        check_mirror(tasks, str(tmp_path), "smoke")
    message = str(err.value)
    assert (
        str(tmp_path / "mteb" / "sts12-sts") in message
        and str(tmp_path / "C-MTEB" / "ATEC") in message
    )
    assert f"embedboard data pull smoke --data-dir {tmp_path}" in message


def test_benchmark_split_selection_is_kept():
    atec = get_suite("smoke").mteb_tasks(["ATEC"])[0]
    assert atec.eval_splits == [
        "test"
    ]  # mteb.get_task("ATEC") alone would also evaluate validation
    assert len(get_suite("cmteb").mteb_tasks()) == 31
    assert len(get_suite("mteb-eng-v2").mteb_tasks()) == 41


def test_results_round_trip_through_mteb_result_cache(tiny_st_dir, mirror, tmp_path):
    encoder = _encoder(tiny_st_dir)
    results = tmp_path / "results"
    tasks = get_suite("smoke").mteb_tasks(["STS16", "STSB"])
    outcomes = run_mteb_tasks(
        encoder, tasks, results_root=results, data_dir=str(mirror), echo=lambda *_: None
    )
    assert [o.status for o in outcomes] == ["done", "done"]

    loaded = mteb.ResultCache(cache_path=tmp_path).load_results(
        models=[encoder.card.result_name], tasks=["STS16", "STSB"], include_remote=False
    )
    by_task = {r.task_name: r for model in loaded.model_results for r in model.task_results}
    assert set(by_task) == {"STS16", "STSB"}
    for outcome in outcomes:
        assert by_task[outcome.task].get_score() == pytest.approx(outcome.main_score)
    assert list(by_task["STSB"].scores) == ["test"]  # C-MTEB's test-only selection reached the file

    store = ResultsStore(results, encoder.card.result_name, encoder.card.revision)
    record = store.read_run_record("STS16")
    folder = mirror / "mteb" / "sts16-sts"
    assert record["data_source"] == {
        "kind": "local",
        "location": str(folder),
        "revision": None,
        "content_sha256": folder_sha256(folder),
    }
    assert record["settings"]["data"] == "local:" + folder_sha256(folder)[:16]
    assert record["versions"]["mteb"].startswith("2.")
    assert record["encode"]["encoded"] > 0 and record["encode"]["texts_per_second"] > 0
    assert record["encode"]["instructions"]["STS16:symmetric"] == {
        "text": None,
        "sha256_16": record["encode"]["instructions"]["STS16:symmetric"]["sha256_16"],
    }
    items = [
        json.loads(line)
        for line in (store.side_folder / "items" / "STS16.jsonl").read_text().splitlines()
    ]
    assert len(items) == 1186 and {"pred", "gold"} <= set(items[0])


class Interrupting:
    """Wraps an encoder and raises KeyboardInterrupt on the n-th encode call (a user's Ctrl-C, a kill)."""

    def __init__(self, inner, fail_on_call):
        self.inner, self.fail_on_call, self.calls = inner, fail_on_call, 0

    @property
    def card(self):
        return self.inner.card

    @property
    def stats(self):
        return self.inner.stats

    def reset_stats(self):
        return self.inner.reset_stats()

    def instruction_for(self, task, prompt_type):
        return self.inner.instruction_for(task, prompt_type)

    def encode(self, inputs, task, prompt_type=None):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise KeyboardInterrupt
        return self.inner.encode(inputs, task, prompt_type)


def test_interrupted_run_leaves_no_partial_file_and_resumes(tiny_st_dir, mirror, tmp_path):
    results, cache = tmp_path / "results", tmp_path / "cache"
    tasks = get_suite("smoke").mteb_tasks(["STS13", "STS15"])
    # STS tasks encode sentence1 then sentence2: call 4 is STS15's second column.
    with pytest.raises(KeyboardInterrupt):
        run_mteb_tasks(
            Interrupting(_encoder(tiny_st_dir, str(cache)), 4),
            tasks,
            results_root=results,
            data_dir=str(mirror),
            echo=lambda *_: None,
        )
    written = sorted(
        p.name
        for p in results.rglob("*.json")
        if p.parent.name != "runs" and "predictions" not in str(p)
    )
    assert written == ["STS13.json", "model_meta.json"]
    assert not [p for p in tmp_path.rglob("*.tmp")]

    log: list[str] = []
    encoder = _encoder(tiny_st_dir, str(cache))
    outcomes = run_mteb_tasks(
        encoder, tasks, results_root=results, data_dir=str(mirror), echo=log.append
    )
    assert [o.status for o in outcomes] == ["skipped", "done"]
    assert log[0].startswith("skip  STS13")
    stats = ResultsStore(results, encoder.card.result_name, encoder.card.revision).read_run_record(
        "STS15"
    )["encode"]
    assert stats["cache_hits"] > 0  # STS15's first column was cached before the interruption

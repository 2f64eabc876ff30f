"""Our result folders are mteb's: its `run_settings.jsonl` beside the task files, and its name
for MRL experiments, so `mteb.ResultCache` finds an `embed_dim` experiment it did not write."""

from __future__ import annotations

import json

import mteb
import pytest
from mteb.models.model_meta import ModelMeta
from mteb.results import TaskResult

from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore, experiment_name
from embedboard.tasks.suites import get_suite


@pytest.fixture(scope="module")
def mrl_run(tiny_st_dir, mirror, tmp_path_factory):
    """STS16 and STSB with the tiny model at its native 32 dims and at 16, from one encoding pass."""
    root = tmp_path_factory.mktemp("parity")
    encoder = load_adapter(
        get_card(str(tiny_st_dir)), device="cpu", cache_dir=str(root / "cache"), show_progress=False
    )
    tasks = get_suite("smoke").mteb_tasks(["STS16", "STSB"])
    outcomes = run_mteb_tasks(
        encoder,
        tasks,
        results_root=root / "results",
        data_dir=str(mirror),
        dims=[16],
        echo=lambda *_: None,
    )
    return root, encoder.card, outcomes


def _mteb_run_settings(tmp_path, folder, task_name, encode_kwargs) -> str:
    """What mteb's own ResultCache writes for the same task result, model meta and encode kwargs."""
    cache = mteb.ResultCache(cache_path=tmp_path)
    meta = ModelMeta.model_validate(json.loads((folder / "model_meta.json").read_text()))
    cache.save_to_cache(
        TaskResult.from_disk(folder / f"{task_name}.json"), meta, encode_kwargs=encode_kwargs
    )
    written = cache.get_task_result_path(task_name, meta).parent / "run_settings.jsonl"
    return written.read_text()


@pytest.mark.parametrize("dim", [None, 16])
def test_run_settings_are_the_lines_mteb_writes(mrl_run, tmp_path, dim):
    root, card, _ = mrl_run
    folder = ResultsStore(root / "results", card.result_name, card.revision, dim).folder
    ours = (folder / "run_settings.jsonl").read_text()
    rows = [json.loads(line) for line in ours.splitlines()]
    assert [(r["task"], r["splits"], r["subsets"]) for r in rows] == [
        ("STS16", ["test"], ["default"]),
        ("STSB", ["test"], ["default"]),
    ]
    assert (
        rows[0]["encode_kwargs"]["batch_size"] >= 256
        and rows[0]["version"]["mteb"] == mteb.__version__
    )

    encode_kwargs = rows[0]["encode_kwargs"]
    expected = "".join(
        _mteb_run_settings(tmp_path / task, folder, task, encode_kwargs)
        for task in ("STS16", "STSB")
    )
    assert ours == expected


def test_a_rerun_replaces_its_run_settings_row(tiny_st_dir, mirror, tmp_path):
    """mteb keeps one row per (task, split, subset): the latest run's; --overwrite must not append."""
    encoder = load_adapter(
        get_card(str(tiny_st_dir)),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    for _ in range(2):
        run_mteb_tasks(
            encoder,
            tasks,
            results_root=tmp_path / "r",
            data_dir=str(mirror),
            overwrite=True,
            echo=lambda *_: None,
        )
    folder = ResultsStore(tmp_path / "r", encoder.card.result_name, encoder.card.revision).folder
    assert len((folder / "run_settings.jsonl").read_text().splitlines()) == 1
    assert not list(folder.glob(".*tmp"))  # the atomic write left no temp file behind


def test_mrl_folders_carry_mtebs_experiment_name(mrl_run):
    """`mteb.get_model(name, embed_dim=d)` records experiment kwargs {"embed_dim": d}; mteb names
    that experiment's folder from them, and ResultCache matches results by that name."""
    root, card, outcomes = mrl_run
    base = ModelMeta.model_validate(
        json.loads(
            (
                ResultsStore(root / "results", card.result_name, card.revision).folder
                / "model_meta.json"
            ).read_text()
        )
    )
    # What ModelMeta.load_model(embed_dim=16) makes of a model's meta:
    mteb_mrl_meta = base.model_copy(
        update={"embed_dim": 16, "experiment_kwargs": {"embed_dim": 16}}
    )
    assert mteb_mrl_meta.experiment_name == experiment_name(16) == "embed_dim_16"

    loaded = mteb.ResultCache(cache_path=root).load_results(
        models=[mteb_mrl_meta],
        tasks=["STS16", "STSB"],
        include_remote=False,
        load_experiments="match_kwargs",
    )
    found = {
        r.task_name: r.get_score() for model in loaded.model_results for r in model.task_results
    }
    at_16 = {o.task: o.main_score for o in outcomes if o.dim == 16}
    assert found == pytest.approx(at_16)
    native = {o.task: o.main_score for o in outcomes if o.dim is None}
    assert found != pytest.approx(native)  # the experiment, not the native run

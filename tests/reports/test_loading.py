"""Result files of every mteb generation load to the same flat shape; folders are found in mteb's layout."""

from __future__ import annotations

import json
import shutil

import pytest

from embedboard.errors import EmbedboardError
from embedboard.reports.loading import discover, load_folder, merge_revisions, parse_task_file
from embedboard.reports.scoring import task_score
from embedboard.reports.suites import SuiteSpec, TaskDef
from tests.support.result_files import write_task_result

STS = TaskDef("STS12", "STS", "cosine_spearman", ("test",), ("default",))


def _write(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_pre_1_11_format_with_nested_groups(tmp_path):
    path = _write(
        tmp_path / "STS12.json",
        {
            "dataset_revision": "a0d554a64d88156834ff5ae9920b964011b16384",
            "mteb_dataset_name": "STS12",
            "mteb_version": "1.0.3.dev0",
            "test": {
                "cos_sim": {"pearson": 0.81, "spearman": 0.7812},
                "euclidean": {"spearman": 0.7},
                "evaluation_time": 3.1,
            },
        },
    )
    task_file = parse_task_file(path)
    assert task_file.task_name == "STS12"
    assert task_file.scores["test"]["default"]["cosine_spearman"] == 0.7812
    assert task_score(task_file, STS) == pytest.approx(78.12)


def test_pre_1_11_multilingual_subsets_and_pair_classification(tmp_path):
    path = _write(
        tmp_path / "Massive.json",
        {
            "mteb_dataset_name": "MassiveIntentClassification",
            "mteb_version": "1.1.1",
            "test": {
                "en": {"accuracy": 0.75, "f1": 0.7},
                "de": {"accuracy": 0.6},
                "evaluation_time": 10,
            },
        },
    )
    scores = parse_task_file(path).scores["test"]
    assert set(scores) == {"en", "de"} and scores["en"]["accuracy"] == 0.75
    pair = _write(
        tmp_path / "Sprint.json",
        {
            "task_name": "SprintDuplicateQuestions",
            "mteb_version": "1.12.41",
            "scores": {
                "test": [
                    {
                        "hf_subset": "default",
                        "languages": ["eng-Latn"],
                        "cos_sim": {"ap": 0.9},
                        "max": {"ap": 0.95},
                    }
                ]
            },
        },
    )
    pc = TaskDef("SprintDuplicateQuestions", "PairClassification", "max_ap", ("test",), None)
    assert task_score(parse_task_file(pair), pc) == pytest.approx(95.0)


def test_reranking_map_alias_and_missing_metric(tmp_path):
    path = _write(
        tmp_path / "AskUbuntuDupQuestions.json",
        {
            "task_name": "AskUbuntuDupQuestions",
            "mteb_version": None,
            "scores": {
                "test": [
                    {
                        "hf_subset": "default",
                        "languages": ["eng-Latn"],
                        "map": 0.6,
                        "mrr": 0.7,
                        "main_score": 0.6,
                    }
                ]
            },
        },
    )
    rerank = TaskDef("AskUbuntuDupQuestions", "Reranking", "map_at_1000", ("test",), ("default",))
    assert task_score(parse_task_file(path), rerank) == pytest.approx(60.0)
    other = TaskDef("AskUbuntuDupQuestions", "Reranking", "ndcg_at_10", ("test",), ("default",))
    assert (
        task_score(parse_task_file(path), other) is None
    )  # never falls back to the stored main_score


def test_our_files_are_mteb_taskresults(tmp_path):
    """The helper writes the shape mteb itself reads."""
    from mteb import TaskResult

    path = write_task_result(tmp_path, "STSBenchmark", 0.82, metric="cosine_spearman")
    assert TaskResult.from_disk(path).get_score() == pytest.approx(0.82)


def test_discover_layouts_and_experiments(tmp_path):
    rev = tmp_path / "org__tiny" / "abc"
    write_task_result(rev, "STS12", 0.8, metric="cosine_spearman")
    write_task_result(rev / "experiments" / "dim_64", "STS12", 0.7, metric="cosine_spearman")
    (rev / "model_meta.json").write_text('{"embed_dim": 384}')
    (rev / "embedboard" / "runs").mkdir(parents=True)
    (rev / "embedboard" / "runs" / "STS12.json").write_text("{}")  # side file, not a task
    for root in (tmp_path, tmp_path / "org__tiny", rev):
        folders = discover([root])
        assert [(f.model, f.revision, f.experiment, f.dim) for f in folders] == [
            ("org/tiny", "abc", None, None),
            ("org/tiny", "abc", "dim_64", 64),
        ]
        assert list(folders[0].tasks) == ["STS12"]
    assert load_folder(rev / "experiments" / "dim_64").experiment == "dim_64"
    with pytest.raises(EmbedboardError, match="holds no"):
        load_folder(tmp_path)
    with pytest.raises(EmbedboardError, match="does not exist"):
        discover([tmp_path / "nope"])


def test_revisions_merge_real_over_external(tmp_path, reference):
    model = tmp_path / "nvidia__NV-Embed-v2"
    shutil.copytree(reference / "nvidia__NV-Embed-v2", model)
    write_task_result(
        model / "7604d305b621f14095a1aa23d351674c2859553a", "ArguAna", 0.5, metric="ndcg_at_10"
    )
    merged = merge_revisions(discover([model]))
    assert len(merged) == 41
    assert merged["ArguAna"].path.parent.name == "7604d305b621f14095a1aa23d351674c2859553a"


def test_corrupt_file_is_an_error_naming_it(tmp_path):
    (tmp_path / "STS12.json").write_text("{not json")
    with pytest.raises(EmbedboardError, match="STS12.json"):
        parse_task_file(tmp_path / "STS12.json")


def test_spec_column_order():
    suite = SuiteSpec(
        "x",
        "x",
        (STS, TaskDef("B", "Classification", "accuracy", ("test",), None)),
        labels={"STS": "STS"},
    )
    assert suite.column_keys() == ["STS", "Classification"]

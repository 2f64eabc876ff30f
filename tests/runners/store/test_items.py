"""Items extraction decides by task type before it reads anything, and keeps only rows that rebuild the score."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from embedboard.runners.store.items import extract_items

# Folders named like real datasets load through a datasets cache of each test's own.
pytestmark = pytest.mark.usefixtures("private_datasets_cache")


def _task(task_type: str, main_score: str) -> SimpleNamespace:
    return SimpleNamespace(
        metadata=SimpleNamespace(name="T", type=task_type, main_score=main_score), data_loaded=True
    )


def _result(entries: dict) -> SimpleNamespace:
    return SimpleNamespace(scores=entries)


def test_clustering_items_come_from_the_task_result_never_the_predictions(tmp_path):
    (tmp_path / "T_predictions.json").write_text(
        '{"torn": '
    )  # mteb's non-atomic write, killed half way
    fast = _result(
        {
            "test": [
                {
                    "hf_subset": "default",
                    "main_score": 0.5,
                    "v_measures": {"Level 0": [0.4, 0.6], "Level 1": [0.5, 0.5]},
                }
            ]
        }
    )
    rows = extract_items(_task("Clustering", "v_measure"), fast, tmp_path)
    assert [(r["id"], r["score"]) for r in rows] == [
        ("Level 0/0", 0.4),
        ("Level 0/1", 0.6),
        ("Level 1/0", 0.5),
        ("Level 1/1", 0.5),
    ]
    legacy = _result(
        {"test": [{"hf_subset": "default", "main_score": 0.3, "v_measures": [0.2, 0.4]}]}
    )
    assert [r["id"] for r in extract_items(_task("Clustering", "v_measure"), legacy, tmp_path)] == [
        "0",
        "1",
    ]


def test_items_that_do_not_rebuild_the_main_score_are_not_written(tmp_path):
    wrong = _result(
        {"test": [{"hf_subset": "default", "main_score": 0.9, "v_measures": [0.2, 0.4]}]}
    )
    with pytest.warns(UserWarning, match="do not rebuild"):
        assert extract_items(_task("Clustering", "v_measure"), wrong, tmp_path) == []


@pytest.mark.parametrize("task_type", ["BitextMining", "MultilabelClassification", "Regression"])
def test_types_without_a_decomposition_never_open_the_predictions(tmp_path, task_type):
    (tmp_path / "T_predictions.json").write_text('{"torn": ')
    assert extract_items(_task(task_type, "f1"), _result({}), tmp_path) == []


def test_classification_predictions_not_per_test_item_give_no_items_and_no_crash(tmp_path):
    import json

    task = _task("Classification", "accuracy")
    task.label_column_name = "label"
    task.dataset = {"test": {"label": [0, 1, 1]}}
    (tmp_path / "T_predictions.json").write_text(
        json.dumps({"default": {"test": [[0, 1], [1, 1]]}})
    )  # folds, not items
    result = _result({"test": [{"hf_subset": "default", "main_score": 0.5}]})
    with pytest.warns(UserWarning, match="no per-item scores"):
        assert extract_items(task, result, tmp_path) == []

"""The smoke suite is exactly what ../shared/mteb-mirror holds, scored on the benchmarks' splits.

`tasks/suites.yaml` keeps one hand-written list (reports and `data pull` need it without a
mirror at hand); these tests pin it to the mirror, so a task added to the mirror cannot be
left out of `make eval SUITE=smoke`, and the row counts to mteb's own descriptive statistics.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from embedboard.runners.data.data_source import locate
from embedboard.tasks.suites import get_suite


def mirrored_paths(mirror: Path) -> set[str]:
    """`<org>/<name>` of every dataset folder in the mirror (a folder with an HF README)."""
    return {str(readme.parent.relative_to(mirror)) for readme in mirror.glob("*/*/README.md")}


@pytest.fixture(scope="module")
def smoke_tasks():
    return get_suite("smoke").mteb_tasks()


def test_smoke_holds_every_mirrored_task_and_nothing_else(smoke_tasks, mirror):
    by_path: dict[str, list[str]] = {}
    for task in smoke_tasks:
        by_path.setdefault(task.metadata.dataset["path"], []).append(task.metadata.name)
    assert all(len(names) == 1 for names in by_path.values()), by_path
    mirrored = mirrored_paths(mirror)
    assert sorted(mirrored - set(by_path)) == [], "mirrored but not in tasks/suites.yaml smoke"
    assert sorted(set(by_path) - mirrored) == [], "in smoke but no folder in the mirror"
    assert len(smoke_tasks) == len(mirrored) == 22


def test_smoke_scores_the_benchmarks_splits_and_subsets(smoke_tasks):
    """Task objects come from MTEB(eng, v2) / MTEB(cmn, v1), which narrow some tasks' splits."""
    selection = {t.metadata.name: (list(t.eval_splits), list(t.hf_subsets)) for t in smoke_tasks}
    assert selection["AmazonCounterfactualClassification"] == (
        ["test"],
        ["en"],
    )  # not validation, not de/ja/en-ext
    assert selection["TwitterURLCorpus"] == (["test"], ["default"])
    assert selection["Ocnli"] == (["validation"], ["default"])
    assert selection["Cmnli"] == (["validation"], ["default"])
    assert selection["TNews"] == (["validation"], ["default"])
    assert selection["ATEC"] == (
        ["test"],
        ["default"],
    )  # mteb.get_task("ATEC") alone also scores validation


def _rows(task, split: str, subset: str) -> int:
    dataset = task.dataset[subset] if task.metadata.is_multilingual else task.dataset
    return len(dataset[split])


def _expected_rows(task, split: str, subset: str) -> int:
    stats = task.metadata.descriptive_stats[split]
    if task.metadata.is_multilingual:
        stats = stats["hf_subset_descriptive_stats"][subset]
    return stats["num_samples"]


@pytest.mark.slow
def test_mirror_row_counts_equal_mtebs_descriptive_stats(
    smoke_tasks, mirror, tmp_path, monkeypatch
):
    """Every scored split (and a classifier's train split) has the rows mteb counted."""
    import datasets

    # Never the user's cache (datasets reads the variable once, at import: patch both).
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf-datasets"))
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets")
    checked = []
    for task in smoke_tasks:
        if (
            task.metadata.type == "Retrieval"
        ):  # corpus/queries/qrels, not rows (test_mrl_runs counts SciFact's 300 queries)
            continue
        located, _ = locate(task, str(mirror))
        located.load_data()
        splits = list(task.eval_splits)
        train = getattr(task, "train_split", None)
        if (
            task.metadata.type == "Classification"
            and train
            and train in task.metadata.descriptive_stats
        ):
            splits.append(train)
        for split in splits:
            for subset in task.hf_subsets:
                assert _rows(located, split, subset) == _expected_rows(task, split, subset), (
                    task.metadata.name,
                    split,
                    subset,
                )
                checked.append((task.metadata.name, split, subset))
        located.unload_data()
    trained = sorted(name for name, split, _ in checked if split == "train")
    assert trained == [
        "AmazonCounterfactualClassification",
        "Banking77Classification",
        "EmotionClassification",
        "TNews",
    ]
    assert len(checked) == 21 + 4  # every non-retrieval task, and the 4 classifiers' train splits

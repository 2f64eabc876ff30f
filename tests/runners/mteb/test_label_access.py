"""Read-once labels must leave mteb's classification sampling and scoring exactly as they were."""

from __future__ import annotations

import numpy as np
import pytest
from mteb.abstasks.classification import AbsTaskClassification

from embedboard.runners.data.data_source import locate
from embedboard.runners.mteb.label_access import (
    as_list,
    read_labels_once,
    uses_stock_classification,
)
from embedboard.tasks.suites import get_suite


@pytest.fixture(scope="module", params=["EmotionClassification", "Banking77Classification"])
def loaded(request, mirror):
    task = get_suite("smoke").mteb_tasks([request.param])[0]
    located, _ = locate(task, str(mirror))
    located.load_data()
    yield task, located
    located.unload_data()


def test_undersampling_selects_the_same_rows_in_every_experiment(loaded):
    shared, task = loaded
    read_labels_once(task)
    train = task.dataset["default"]["train"] if "default" in task.dataset else task.dataset["train"]
    stock_idxs = fast_idxs = None
    for experiment in range(3):  # three show the shuffle carried between experiments; ten take 20 s
        stock_ds, stock_idxs, stock_pick = AbsTaskClassification._undersample_data(
            task, train, experiment, stock_idxs
        )
        fast_ds, fast_idxs, fast_pick = task._undersample_data(train, experiment, fast_idxs)
        assert fast_pick == stock_pick and fast_idxs == stock_idxs
        assert fast_ds[task.label_column_name][:] == stock_ds[task.label_column_name][:]
    assert len(stock_pick) > 0
    # Only the copy carries the wrappers: the suite's shared task object runs mteb's own methods.
    assert "_undersample_data" not in vars(shared) and "_undersample_data" in vars(task)


def test_scores_are_identical_with_list_labels(loaded):
    _, task = loaded
    test = task.dataset["default"]["test"] if "default" in task.dataset else task.dataset["test"]
    y_test = test[task.label_column_name]
    labels = np.asarray(as_list(y_test))
    y_pred = np.random.default_rng(0).permutation(labels)  # a realistic mix of right and wrong
    stock = AbsTaskClassification._calculate_scores(task, y_test, y_pred)
    assert read_labels_once(task)._calculate_scores(y_test, y_pred) == stock
    assert 0 < stock["accuracy"] < 1


def test_subclasses_with_their_own_sampling_keep_mteb_untouched():
    import mteb

    regression = mteb.get_task(
        "RuSciBenchCitedCountRegression"
    )  # AbsTaskRegression overrides both methods
    assert isinstance(regression, AbsTaskClassification) and not uses_stock_classification(
        regression
    )
    read_labels_once(regression)
    assert "_undersample_data" not in vars(regression)
    assert as_list([1, 2]) == [1, 2]

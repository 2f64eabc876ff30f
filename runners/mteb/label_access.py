"""Hand mteb's classification scoring its labels as lists instead of lazy dataset columns.

With datasets >= 4, `dataset["label"]` is a lazy `Column`, and mteb's classification code
reads it one row at a time: `_undersample_data` indexes it once per training row in each of
its 10 experiments, and `_calculate_scores` turns it into an array row by row in each of
about a dozen sklearn metrics. On EmotionClassification (16,000 training rows) that is ~18 s
of a warm run whose logistic regressions take ~0.2 s; every extra MRL dim paid it again.

We keep mteb's own code doing the work (same RNG, same sampling, same metrics) and change
only what it is handed: the same labels, read once, as a Python list. The selection and the
scores are therefore identical, which `tests/runners/mteb/test_label_access.py` pins on real
data against mteb's untouched methods.
"""

from __future__ import annotations

from typing import Any

from mteb.abstasks.classification import AbsTaskClassification


def as_list(column: Any) -> Any:
    """A lazy datasets `Column` read in one batch; anything else as it is."""
    from datasets.arrow_dataset import Column

    if isinstance(column, Column):
        return column[:]  # one batched read (honours select()'s indices), not len(column) row reads
    return column


class _LabelsRead:
    """A dataset as `_undersample_data` uses it (len, one column, select) with labels pre-read."""

    def __init__(self, dataset: Any, label_column: str) -> None:
        self._dataset = dataset
        self._label_column = label_column
        self._labels = dataset.select_columns([label_column])[:][label_column]

    def __len__(self) -> int:
        return len(self._dataset)

    def __getitem__(self, key: Any) -> Any:
        if key == self._label_column:
            return self._labels
        return self._dataset[key]

    def select(self, *args: Any, **kwargs: Any) -> Any:
        return self._dataset.select(*args, **kwargs)


def uses_stock_classification(task: Any) -> bool:
    """Only tasks running AbsTaskClassification's own sampling and scoring get the lists.

    Regression and multilabel tasks override both methods with other logic, so they keep
    mteb's path untouched.
    """
    cls = type(task)
    return (
        isinstance(task, AbsTaskClassification)
        and cls._undersample_data is AbsTaskClassification._undersample_data
        and cls._calculate_scores is AbsTaskClassification._calculate_scores
    )


def read_labels_once(task: Any) -> Any:
    """Give `task` (an instance the caller owns, never a shared benchmark object) list labels.

    Returns the task for chaining. The wrappers sit on the instance only, so the class and
    every other task are untouched.
    """
    if not uses_stock_classification(task):
        return task
    undersample = task._undersample_data
    calculate_scores = task._calculate_scores
    last: list[Any] = [
        None,
        None,
    ]  # (dataset, its _LabelsRead): the 10 experiments share one train split

    def undersample_with_read_labels(
        dataset: Any, experiment_num: int, idxs: list[int] | None = None
    ) -> Any:
        if last[0] is not dataset:
            last[0], last[1] = dataset, _LabelsRead(dataset, task.label_column_name)
        return undersample(last[1], experiment_num, idxs)

    def calculate_scores_with_read_labels(y_test: Any, y_pred: Any) -> Any:
        return calculate_scores(as_list(y_test), y_pred)

    task._undersample_data = undersample_with_read_labels
    task._calculate_scores = calculate_scores_with_read_labels
    return task

"""Task scores from parsed result files: mean of the main metric over splits x subsets, x100."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml

from embedboard.reports.loading import Metrics, TaskFile
from embedboard.reports.suites import TaskDef

ALIASES_FILE = Path(__file__).with_name("metric_aliases.yaml")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[str]]:
    return yaml.safe_load(ALIASES_FILE.read_text(encoding="utf-8")) or {}


def metric_value(metrics: Metrics, metric: str) -> float | None:
    """The metric, or the name an older mteb stored the same number under."""
    for name in (metric, *_aliases().get(metric, [])):
        if name in metrics:
            return metrics[name]
    return None


def _subsets(task_file: TaskFile, task_def: TaskDef, split: str) -> Iterable[str]:
    if task_def.hf_subsets is not None:
        return task_def.hf_subsets
    return task_file.scores.get(split, {}).keys()


def missing_parts(task_file: TaskFile | None, task_def: TaskDef) -> list[str]:
    """What the file lacks to score the task (empty when complete)."""
    if task_file is None:
        return ["no result file"]
    missing = []
    for split in task_def.eval_splits:
        if split not in task_file.scores:
            missing.append(f"split {split} (file has {', '.join(task_file.scores) or 'none'})")
            continue
        for subset in _subsets(task_file, task_def, split):
            metrics = task_file.scores[split].get(subset)
            if metrics is None:
                missing.append(f"{split}/{subset}")
            elif metric_value(metrics, task_def.main_score) is None:
                missing.append(f"{split}/{subset}: no {task_def.main_score}")
    return missing


def subset_scores(task_file: TaskFile | None, task_def: TaskDef) -> dict[str, float]:
    """Per hf_subset: mean over the eval splits that hold it, x100 (BRIGHT's per-domain columns)."""
    if task_file is None:
        return {}
    values: dict[str, list[float]] = {}
    for split in task_def.eval_splits:
        for subset in _subsets(task_file, task_def, split):
            metrics = task_file.scores.get(split, {}).get(subset)
            value = metric_value(metrics, task_def.main_score) if metrics is not None else None
            if value is not None:
                values.setdefault(subset, []).append(value)
    return {subset: 100.0 * sum(v) / len(v) for subset, v in values.items()}


def task_score(task_file: TaskFile | None, task_def: TaskDef) -> float | None:
    """The task's score x100, or None if any split/subset the benchmark scores is missing."""
    if task_file is None or missing_parts(task_file, task_def):
        return None
    values = [
        metric_value(task_file.scores[split][subset], task_def.main_score)
        for split in task_def.eval_splits
        for subset in _subsets(task_file, task_def, split)
    ]
    if not values:
        return None
    return 100.0 * sum(values) / len(values)  # type: ignore[arg-type]


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None

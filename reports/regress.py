"""Regression gate: compare a candidate's results with a baseline's, task by task.

A task regresses when it drops by more than `max_task_drop` points and, where both sides
have per-item scores, the paired bootstrap says the drop is significant (without items the
threshold alone decides, and the report says so). The run regresses when any task does, or
when AVG drops by more than `max_avg_drop`. A task on one side only is an input error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from embedboard.errors import EmbedboardError
from embedboard.reports.bootstrap import (
    BootstrapResult,
    ItemsMismatch,
    items_path,
    load_items,
    paired_bootstrap,
    restrict,
)
from embedboard.reports.loading import (
    ResultFolder,
    TaskFile,
    discover,
    load_folder,
    merge_revisions,
)
from embedboard.reports.scoring import mean, missing_parts, task_score
from embedboard.reports.suites import SuiteSpec, TaskDef, task_def_for


@dataclass(frozen=True)
class Thresholds:
    max_avg_drop: float = 0.3
    max_task_drop: float = 1.0
    alpha: float = 0.05
    n_resamples: int = 1000
    seed: int = 0


@dataclass
class TaskComparison:
    name: str
    type: str
    baseline: float
    candidate: float
    test: BootstrapResult | None
    note: str = ""  # why there is no significance test
    regressed: bool = False
    alpha: float = 0.05

    @property
    def delta(self) -> float:
        return self.candidate - self.baseline

    @property
    def significant_drop(self) -> bool:
        return self.test is not None and self.delta < 0 and self.test.p_drop < self.alpha


@dataclass
class Comparison:
    baseline: ResultFolder
    candidate: ResultFolder
    suite: SuiteSpec | None
    thresholds: Thresholds
    tasks: list[TaskComparison] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def regressed(self) -> bool:
        return bool(self.reasons)

    def avg(self, side: str) -> float:
        return mean(getattr(t, side) for t in self.tasks) or 0.0


def load_side(path: str | Path) -> ResultFolder:
    """A revision/experiment folder, or a model folder whose revisions are merged (official files split models)."""
    path = Path(path)
    if not path.is_dir():
        raise EmbedboardError(f"Results folder {path} does not exist.")
    if any(p.suffix == ".json" and p.name != "model_meta.json" for p in path.iterdir()):
        return load_folder(path)
    native = [f for f in discover([path]) if f.experiment is None]
    models = sorted({f.model for f in native})
    if len(models) != 1:
        raise EmbedboardError(
            f"{path} holds results of {len(models)} models ({', '.join(models[:5]) or 'none'}); pass one revision folder "
            f"(results/<org>__<model>/<revision>) or experiment folder (.../experiments/embed_dim_<d>)."
        )
    return ResultFolder(
        model=models[0],
        revision="+".join(f.revision for f in native),
        experiment=None,
        path=path.resolve(),
        tasks=merge_revisions(native),
    )


def _task_defs(base: ResultFolder, cand: ResultFolder, suite: SuiteSpec | None) -> list[TaskDef]:
    """The suite's tasks, or every task present (its splits/subsets as the baseline scored them)."""
    if suite is not None:
        return list(suite.tasks)
    only_base, only_cand = (
        sorted(set(base.tasks) - set(cand.tasks)),
        sorted(set(cand.tasks) - set(base.tasks)),
    )
    if only_base or only_cand:
        raise EmbedboardError(_missing_message(only_base, only_cand, base, cand))
    defs = []
    for name in sorted(base.tasks):
        known = task_def_for(name)
        held = base.tasks[name].scores
        splits = tuple(s for s in (known.eval_splits if known else held) if s in held) or tuple(
            held
        )
        subsets = tuple(sorted({sub for s in splits for sub in held[s]}))
        main = known.main_score if known else _stored_main(base.tasks[name])
        defs.append(TaskDef(name, known.type if known else "Other", main, splits, subsets))
    return defs


def _stored_main(task_file: TaskFile) -> str:
    """For a task mteb does not know, the only hint left: the file's own main_score."""
    first = next(iter(next(iter(task_file.scores.values())).values()))
    for key, value in first.items():
        if key != "main_score" and value == first.get("main_score"):
            return key
    return "main_score"


def _missing_message(
    cand_lacks: list[str], base_lacks: list[str], base: ResultFolder, cand: ResultFolder
) -> str:
    """Name every task a side lacks (incomplete files count as missing), and the fix."""
    both = [t for t in cand_lacks if t in base_lacks]
    parts = []
    if both:
        parts.append(f"missing on both sides: {', '.join(both)}")
    if only := [t for t in cand_lacks if t not in both]:
        parts.append(f"missing from the candidate ({cand.path}): {', '.join(only)}")
    if only := [t for t in base_lacks if t not in both]:
        parts.append(f"missing from the baseline ({base.path}): {', '.join(only)}")
    return (
        "A missing task is not a pass; "
        + "; ".join(parts)
        + ". Evaluate them, or pick a --suite both sides cover."
    )


def _significance(
    task: TaskDef, base: ResultFolder, cand: ResultFolder, th: Thresholds
) -> tuple[BootstrapResult | None, str]:
    # Items sit beside the task file (a merged model folder spans several revision folders).
    items_a = load_items(items_path(base.tasks[task.name].path.parent, task.name))
    items_b = load_items(items_path(cand.tasks[task.name].path.parent, task.name))
    if items_a is None or items_b is None:
        side = (
            "either side"
            if items_a is None and items_b is None
            else ("the baseline" if items_a is None else "the candidate")
        )
        return None, f"no per-item scores on {side}"
    for items in (items_a, items_b):
        if items.kind != "pairs" and items.metric not in (None, task.main_score):
            return None, f"items hold {items.metric}, not the main metric {task.main_score}"
    try:
        result = paired_bootstrap(
            restrict(items_a, task.eval_splits, task.hf_subsets),
            restrict(items_b, task.eval_splits, task.hf_subsets),
            th.n_resamples,
            th.seed,
        )
    except ItemsMismatch as err:
        return None, f"items not comparable: {err}"
    return result, ""


def compare(
    baseline: str | Path,
    candidate: str | Path,
    suite: SuiteSpec | None = None,
    thresholds: Thresholds | None = None,
) -> Comparison:
    """Load both folders, score every task, test the drops, and decide."""
    th = thresholds or Thresholds()
    base, cand = load_side(baseline), load_side(candidate)
    comparison = Comparison(base, cand, suite, th)
    defs = _task_defs(base, cand, suite)
    absent_base = [t.name for t in defs if missing_parts(base.tasks.get(t.name), t)]
    absent_cand = [t.name for t in defs if missing_parts(cand.tasks.get(t.name), t)]
    if absent_base or absent_cand:
        raise EmbedboardError(_missing_message(absent_cand, absent_base, base, cand))
    for task in defs:
        score_a, score_b = (
            task_score(base.tasks[task.name], task),
            task_score(cand.tasks[task.name], task),
        )
        test, note = _significance(task, base, cand, th)
        row = TaskComparison(
            task.name, task.type, score_a or 0.0, score_b or 0.0, test, note, alpha=th.alpha
        )
        drop = -row.delta
        if drop > th.max_task_drop and (test is None or row.significant_drop):
            row = replace(row, regressed=True)
            comparison.reasons.append(f"{task.name} dropped {drop:.2f} > {th.max_task_drop}")
        comparison.tasks.append(row)
    avg_drop = comparison.avg("baseline") - comparison.avg("candidate")
    if avg_drop > th.max_avg_drop:
        comparison.reasons.insert(0, f"AVG dropped {avg_drop:.2f} > {th.max_avg_drop}")
    return comparison

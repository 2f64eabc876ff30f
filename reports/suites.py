"""What a report scores: a suite's tasks, each with its main metric, eval splits and hf_subsets.

The leaderboard suites (`leaderboards.yaml`) take everything from `mteb.get_benchmark(...)`;
other suites (e.g. `smoke`) come from the project's suite file (`tasks/suites.yaml`). The main
metric is always the benchmark's, never the `main_score` a result file stored: mteb 1.x files
stored other metrics there.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from embedboard.errors import EmbedboardError, unknown_name_error

LEADERBOARDS_FILE = Path(__file__).with_name("leaderboards.yaml")


@dataclass(frozen=True)
class TaskDef:
    """How one task is scored: mean of `main_score` over `eval_splits` x `hf_subsets`."""

    name: str
    type: str
    main_score: str
    eval_splits: tuple[str, ...]
    hf_subsets: tuple[str, ...] | None  # None: every subset the file holds


@dataclass(frozen=True)
class SuiteSpec:
    """A suite's tasks and how its leaderboard lays them out."""

    name: str
    title: str
    tasks: tuple[TaskDef, ...]
    columns: Literal["types", "subsets"] = "types"
    decimals: int = 2
    labels: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # the table profile that changed metrics or splits, if any
    profile_note: str = ""  # what that profile changed, for the table's footnote

    def column_keys(self) -> list[str]:
        """Type names (or subset names) in the order the leaderboard prints them."""
        if self.columns == "subsets":
            subsets = self.tasks[0].hf_subsets or ()
            return [s for s in self.labels if s in subsets] + [
                s for s in subsets if s not in self.labels
            ]
        types = sorted({t.type for t in self.tasks})
        return [t for t in self.labels if t in types] + [t for t in types if t not in self.labels]

    def label(self, key: str) -> str:
        return self.labels.get(key, key)

    def task(self, name: str) -> TaskDef | None:
        return next((t for t in self.tasks if t.name == name), None)


def task_def_from_mteb(task: Any) -> TaskDef:
    """A TaskDef from an mteb task object (benchmark tasks carry the benchmark's subset selection)."""
    meta = task.metadata
    return TaskDef(
        name=meta.name,
        type=meta.type,
        main_score=meta.main_score,
        # `task.eval_splits` holds the benchmark's split selection; metadata lists every split.
        eval_splits=tuple(getattr(task, "eval_splits", None) or meta.eval_splits),
        hf_subsets=tuple(task.hf_subsets) if getattr(task, "hf_subsets", None) else None,
    )


@lru_cache(maxsize=1)
def _leaderboards() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(LEADERBOARDS_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=16)
def _benchmark_tasks(benchmark: str) -> tuple[TaskDef, ...]:
    import mteb

    return tuple(task_def_from_mteb(t) for t in mteb.get_benchmark(benchmark).tasks)


def _project_suites() -> dict[str, Any]:
    """The project's suites (tasks/suites.yaml), or none if that module is unavailable."""
    try:
        from embedboard.tasks.suites import load_suites
    except ImportError:
        return {}
    return dict(load_suites())


def known_suites() -> list[str]:
    return list(dict.fromkeys([*_leaderboards(), *_project_suites()]))


def profiles(name: str) -> dict[str, dict[str, Any]]:
    """The named table profiles of a leaderboard suite (empty for other suites)."""
    return dict((_leaderboards().get(name) or {}).get("profiles") or {})


def _apply_profile(suite: SuiteSpec, profile: str) -> SuiteSpec:
    """The suite with the profile's per-task (or per-type) metric and split overrides applied.

    A profile reproduces a table as another leaderboard printed it (e.g. the old C-MTEB
    leaderboard's max_ap for Pair Classification, which model cards still quote); the footnote
    says so, so its numbers are never mistaken for the benchmark's own.
    """
    known = profiles(suite.name)
    if profile not in known:
        names = ", ".join(sorted(known)) or "none"
        raise EmbedboardError(
            f"Unknown profile {profile!r} for suite {suite.name}; its profiles: {names}."
        )
    spec = known[profile] or {}
    metrics, splits = dict(spec.get("metrics") or {}), dict(spec.get("splits") or {})
    task_names = {t.name for t in suite.tasks} | {t.type for t in suite.tasks}
    unknown = sorted((set(metrics) | set(splits)) - task_names)
    if unknown:
        raise EmbedboardError(
            f"Profile {profile} in {LEADERBOARDS_FILE} names {', '.join(unknown)}, not a task or type of {suite.name}."
        )
    tasks = []
    for task in suite.tasks:
        metric = metrics.get(task.name, metrics.get(task.type, task.main_score))
        split = splits.get(task.name, splits.get(task.type))
        tasks.append(
            replace(
                task, main_score=metric, eval_splits=tuple(split) if split else task.eval_splits
            )
        )
    changed = [f"{key}: {value}" for key, value in metrics.items()] + [
        f"{key}: split {'+'.join(v)}" for key, v in splits.items()
    ]
    description = f"{spec['description']}; " if spec.get("description") else ""
    note = f"Profile {profile}: {description}changes {'; '.join(changed) or 'nothing'}"
    return replace(suite, tasks=tuple(tasks), profile=profile, profile_note=note)


@lru_cache(maxsize=32)
def resolve_suite(name: str, profile: str | None = None) -> SuiteSpec:
    """The SuiteSpec of a leaderboard suite or a project suite; unknown names get a "did you mean"."""
    layout = _leaderboards().get(name)
    if layout is not None:
        tasks = _benchmark_tasks(layout["benchmark"])
        if layout.get("result_task"):
            tasks = tuple(replace(t, name=layout["result_task"]) for t in tasks)
        if layout.get("main_score"):
            tasks = tuple(replace(t, main_score=layout["main_score"]) for t in tasks)
        suite = SuiteSpec(
            name=name,
            title=layout.get("title", name),
            tasks=tasks,
            columns=layout.get("columns", "types"),
            decimals=int(layout.get("decimals", 2)),
            labels=dict(layout.get("labels", {})),
        )
        return _apply_profile(suite, profile) if profile else suite
    if profile:
        raise EmbedboardError(
            f"Suite {name} has no table profiles; profiles belong to the suites in {LEADERBOARDS_FILE}."
        )
    project = _project_suites().get(name)
    if project is None:
        raise unknown_name_error("suite", name, known_suites(), "embedboard suites")
    if getattr(project, "runner", "mteb") != "mteb":
        raise EmbedboardError(f"Suite {name} has no report layout; add it to {LEADERBOARDS_FILE}.")
    tasks = tuple(task_def_from_mteb(t) for t in project.mteb_tasks())
    return SuiteSpec(name=name, title=name, tasks=tasks)


def task_def_for(name: str) -> TaskDef | None:
    """mteb's own definition of a task (all its subsets), or None for a task mteb does not know."""
    import mteb

    try:
        return task_def_from_mteb(mteb.get_task(name))
    except (KeyError, ValueError):
        return None

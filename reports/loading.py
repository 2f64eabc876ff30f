"""Read mteb result files (any mteb version) and find result folders on disk.

A task file becomes a `TaskFile`: `scores[split][hf_subset] -> {metric: value}` with every
metric flattened to one level, whatever mteb version wrote it:

- mteb >= 1.11: `{"task_name", "scores": {split: [{"hf_subset", metrics...}]}}`;
- mteb < 1.11: `{"mteb_dataset_name", split: {metrics...}}` or `{split: {subset: {metrics...}}}`;
- nested metric groups (`"cos_sim": {"spearman": ...}`, `"max": {"ap": ...}`) become
  `cosine_spearman`, `max_ap`, the names mteb 2.x uses.

Folders follow mteb's layout, `<root>/<org>__<model>/<revision>/<Task>.json`, plus MRL dims
in `<revision>/experiments/embed_dim_<d>/`. Side files under `embedboard/` are never task files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.results_layout import EXPERIMENTS_FOLDER, MODEL_META_FILE, NO_REVISION, SIDE_FOLDER

NOT_TASK_FILES = {MODEL_META_FILE}
# mteb 1.x grouped similarity metrics under these keys; mteb 2.x prefixes them flat.
GROUP_PREFIX = {
    "cos_sim": "cosine",
    "dot": "dot",
    "euclidean": "euclidean",
    "manhattan": "manhattan",
    "max": "max",
    "similarity": "similarity",
}
# Revision folders that hold results copied from model cards rather than a real run.
WEAK_REVISIONS = ("external", NO_REVISION)
MAX_DEPTH = 5

Metrics = dict[str, float]


@dataclass
class TaskFile:
    """One task's scores from one file, flattened to split -> subset -> metric -> value."""

    task_name: str
    path: Path
    scores: dict[str, dict[str, Metrics]]
    mteb_version: str | None = None


@dataclass
class ResultFolder:
    """The task files of one model configuration: a revision, or an experiment (MRL dim) of one."""

    model: str  # "org/name"
    revision: str
    experiment: str | None
    path: Path
    tasks: dict[str, TaskFile] = field(default_factory=dict)

    @property
    def short_name(self) -> str:
        """The model name without its organisation, as leaderboards print it."""
        return self.model.split("/", 1)[-1]

    @property
    def dim(self) -> int | None:
        """The MRL dimension of an experiment folder named `embed_dim_<d>` (mteb's name for
        `get_model(..., embed_dim=d)`) or `dim_<d>` (ours before mteb parity), else None."""
        for prefix in ("embed_dim_", "dim_"):
            if (
                self.experiment
                and self.experiment.startswith(prefix)
                and self.experiment[len(prefix) :].isdigit()
            ):
                return int(self.experiment[len(prefix) :])
        return None


def _flatten(metrics: dict[str, Any]) -> Metrics:
    """Numeric metrics only, nested groups joined with "_" under their mteb 2.x prefix."""
    flat: Metrics = {}
    for key, value in metrics.items():
        if isinstance(value, dict):
            prefix = GROUP_PREFIX.get(key, key)
            for sub_key, sub_value in _flatten(value).items():
                flat[f"{prefix}_{sub_key}"] = sub_value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            flat[key] = float(value)
    return flat


def _is_subset_level(split_scores: dict[str, Any]) -> bool:
    """mteb < 1.11 wrote `{subset: {metrics}}` for multilingual tasks, bare metrics otherwise."""
    return any(
        isinstance(v, dict) and k not in GROUP_PREFIX and k != "v_measures"
        for k, v in split_scores.items()
    )


def _parse_legacy(data: dict[str, Any]) -> dict[str, dict[str, Metrics]]:
    scores: dict[str, dict[str, Metrics]] = {}
    for split, split_scores in data.items():
        if split in {
            "mteb_dataset_name",
            "mteb_version",
            "dataset_revision",
            "task_name",
        } or not isinstance(split_scores, dict):
            continue
        if _is_subset_level(split_scores):
            scores[split] = {
                subset: _flatten(m)
                for subset, m in split_scores.items()
                if isinstance(m, dict) and subset not in GROUP_PREFIX
            }
        else:
            scores[split] = {"default": _flatten(split_scores)}
    return scores


def _parse_modern(raw_scores: dict[str, Any]) -> dict[str, dict[str, Metrics]]:
    scores: dict[str, dict[str, Metrics]] = {}
    for split, entries in raw_scores.items():
        if isinstance(entries, dict):  # some hand-written files key subsets by name
            entries = [{"hf_subset": subset, **metrics} for subset, metrics in entries.items()]
        scores[split] = {
            str(entry.get("hf_subset", "default")): _flatten(entry) for entry in entries
        }
    return scores


def parse_task_file(path: str | Path) -> TaskFile:
    """Parse one task result file; a file that is not an mteb result raises an error naming it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise EmbedboardError(
            f"Cannot read result file {path}: {err}. Delete it or re-run the task."
        ) from err
    if not isinstance(data, dict):
        raise EmbedboardError(f"{path} is not an mteb result file (expected a JSON object).")
    name = data.get("task_name") or data.get("mteb_dataset_name") or path.stem
    if isinstance(data.get("scores"), dict):
        scores = _parse_modern(data["scores"])
    else:
        scores = _parse_legacy(data)
    if not scores:
        raise EmbedboardError(f"{path} holds no scores; is it an mteb TaskResult file?")
    version = data.get("mteb_version")
    return TaskFile(
        task_name=str(name),
        path=path,
        scores=scores,
        mteb_version=version if isinstance(version, str) else None,
    )


def model_name_from_folder(folder_name: str) -> str:
    """`org__name` -> `org/name` (mteb's folder naming)."""
    return folder_name.replace("__", "/", 1)


def _task_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.glob("*.json")
        if p.name not in NOT_TASK_FILES and not p.name.startswith(".")
    )


def load_folder(folder: str | Path) -> ResultFolder:
    """One revision or experiment folder; its identity comes from its place in mteb's layout."""
    folder = Path(folder).resolve()
    files = _task_files(folder)
    if not files:
        raise EmbedboardError(
            f"{folder} holds no <Task>.json result files. Pass a revision folder "
            f"(results/<org>__<model>/<revision>) or an experiment folder (.../experiments/embed_dim_<d>)."
        )
    if folder.parent.name == EXPERIMENTS_FOLDER:
        revision_folder, experiment = folder.parent.parent, folder.name
    else:
        revision_folder, experiment = folder, None
    result = ResultFolder(
        model=model_name_from_folder(revision_folder.parent.name),
        revision=revision_folder.name,
        experiment=experiment,
        path=folder,
    )
    for path in files:
        task_file = parse_task_file(path)
        if task_file.task_name in result.tasks:
            raise EmbedboardError(
                f"{path} and {result.tasks[task_file.task_name].path} both hold task {task_file.task_name}; remove one."
            )
        result.tasks[task_file.task_name] = task_file
    return result


def discover(roots: list[str | Path]) -> list[ResultFolder]:
    """Every result folder under the given paths (a results root, a model, a revision or an experiment folder)."""
    found: dict[Path, ResultFolder] = {}
    for root in roots:
        root = Path(root)
        if not root.is_dir():
            raise EmbedboardError(
                f"Results folder {root} does not exist. Run `embedboard eval` first or pass --results DIR."
            )
        base_depth = len(root.resolve().parts)
        for dirpath, dirnames, _ in os.walk(root.resolve()):
            here = Path(dirpath)
            dirnames[:] = sorted(d for d in dirnames if d != SIDE_FOLDER and not d.startswith("."))
            if len(here.parts) - base_depth >= MAX_DEPTH:
                dirnames[:] = []
            if here not in found and _task_files(here):
                found[here] = load_folder(here)
    return sorted(found.values(), key=lambda f: (f.model, f.experiment or "", f.revision))


def _revision_rank(folder: ResultFolder) -> tuple[int, str]:
    """Real revisions beat copied ("external") ones; ties go to the newest mteb version seen."""
    versions = sorted((t.mteb_version or "" for t in folder.tasks.values()), reverse=True)
    return (0 if folder.revision in WEAK_REVISIONS else 1, versions[0] if versions else "")


def merge_revisions(folders: list[ResultFolder]) -> dict[str, TaskFile]:
    """One model's tasks across its revision folders (mteb's official files split a model over several)."""
    merged: dict[str, TaskFile] = {}
    for folder in sorted(folders, key=_revision_rank):
        merged.update(folder.tasks)  # later (stronger) revisions win
    return merged


def revision_groups(folders: list[ResultFolder]) -> list[list[ResultFolder]]:
    """One model's revision folders, grouped into what may share one leaderboard row.

    mteb's official results split one model over revision folders that hold different tasks
    (`external` + a commit, or two commits); those complement each other and merge, as mteb's
    own leaderboard merges them. Two folders that both hold a task are two measurements of the
    same task, made by what may be two different checkpoints: merging them would pick one score
    silently and mix the two models in one row, so then every revision gets its own row.
    """
    seen: set[str] = set()
    for folder in folders:
        if seen & set(folder.tasks):
            return [[folder] for folder in sorted(folders, key=lambda f: f.revision)]
        seen |= set(folder.tasks)
    return [folders]


def group_by_model(
    folders: list[ResultFolder], with_experiments: bool = False
) -> dict[tuple[str, str | None], list[ResultFolder]]:
    """Folders grouped per (model, experiment); experiments only when asked for."""
    groups: dict[tuple[str, str | None], list[ResultFolder]] = {}
    for folder in folders:
        if folder.experiment and not with_experiments:
            continue
        groups.setdefault((folder.model, folder.experiment), []).append(folder)
    return groups

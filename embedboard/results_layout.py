"""The results folder's layout, said once: runners write it, `reports/` reads it (no torch).

    <root>/<org>__<name>/<revision>/<Task>.json                   mteb TaskResult
    <root>/<org>__<name>/<revision>/model_meta.json               mteb ModelMeta
    <root>/<org>__<name>/<revision>/experiments/embed_dim_<d>/...  MRL dims (mteb's experiments layout)
    <any of those folders>/embedboard/runs/<Task>.json              run record
    <any of those folders>/embedboard/items/<Task>.jsonl            per-item scores (paired bootstrap)
    <any of those folders>/embedboard/predictions/                  mteb's raw predictions
    <any of those folders>/embedboard/runs_trec/<Task>_<split>_<domain>.trec  BRIGHT's top-k runs

mteb's ResultCache globs `*/*/*.json` and `*/*/experiments/*/*.json`, so the `embedboard/`
side folder never looks like task results to it.
"""

from __future__ import annotations

from pathlib import Path

SIDE_FOLDER = "embedboard"
EXPERIMENTS_FOLDER = "experiments"
MODEL_META_FILE = "model_meta.json"
NO_REVISION = "no_revision_available"  # mteb's revision folder for a model without one
EXPERIMENT_PREFIX = "embed_dim_"  # mteb names experiment kwargs {"embed_dim": d} "embed_dim_<d>"


def model_folder_name(result_name: str) -> str:
    """`org/name` -> `org__name`, mteb's folder name for a model."""
    return result_name.replace("/", "__").replace(" ", "_")


def experiment_name(dim: int | None) -> str | None:
    """The experiment folder of an MRL dim (None: the native dim, no experiment folder)."""
    return f"{EXPERIMENT_PREFIX}{dim}" if dim is not None else None


def side_folder(folder: str | Path) -> Path:
    return Path(folder) / SIDE_FOLDER


def items_path(folder: str | Path, task_name: str) -> Path:
    """Per-item scores of one task in a revision or experiment folder."""
    return side_folder(folder) / "items" / f"{task_name}.jsonl"


def run_record_path(folder: str | Path, task_name: str) -> Path:
    return side_folder(folder) / "runs" / f"{task_name}.json"


def run_records_folder(folder: str | Path) -> Path:
    return side_folder(folder) / "runs"


def predictions_folder(folder: str | Path) -> Path:
    return side_folder(folder) / "predictions"


def trec_run_path(folder: str | Path, task_name: str, split: str, domain: str) -> Path:
    return side_folder(folder) / "runs_trec" / f"{task_name}_{split}_{domain}.trec"

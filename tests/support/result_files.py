"""Small mteb TaskResult files and per-item rows built in tmp, for the report and regress tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_task_result(
    folder: Path,
    task: str,
    value: float,
    *,
    metric: str,
    split: str = "test",
    subsets: dict[str, float] | None = None,
    version: str = "2.26.24",
) -> Path:
    """An mteb >= 1.11 TaskResult file (the shape mteb's TaskResult.to_disk writes)."""
    entries = []
    for subset, score in (subsets or {"default": value}).items():
        entries.append(
            {metric: score, "main_score": score, "hf_subset": subset, "languages": ["eng-Latn"]}
        )
    payload = {
        "dataset_revision": "0" * 40,
        "task_name": task,
        "mteb_version": version,
        "scores": {split: entries},
        "evaluation_time": 1.0,
        "kg_co2_emissions": None,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{task}.json"
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return path


def write_items(folder: Path, task: str, rows: list[dict]) -> Path:
    path = folder / "embedboard" / "items" / f"{task}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path

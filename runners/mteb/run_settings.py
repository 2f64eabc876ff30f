"""mteb's own `run_settings.jsonl`, written beside the task files as mteb 2.14+ writes it.

mteb's `ResultCache.save_to_cache` appends, after every evaluated task, one row per split:
`{"task", "splits": [split], "version": {mteb, torch, ...}, "encode_kwargs", "subsets"}`, then
merges the file so each (task, split, subset) keeps the settings of its latest run. The results
repository is moving to require this file for submissions, so we write the same rows with
mteb's own version list and merge, only atomically (mteb rewrites the file in place).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from embedboard.atomic import atomic_write_text

FILE_NAME = "run_settings.jsonl"


def run_settings_rows(
    task_name: str,
    scores: Mapping[str, list[dict[str, Any]]],
    encode_kwargs: Mapping[str, Any] | None,
) -> list[dict[str, Any]]:
    """The rows mteb's `save_to_cache` builds for one task result (one per split)."""
    from mteb.cache.result_cache import _get_package_versions

    versions = _get_package_versions()
    kwargs = (
        json.loads(json.dumps(dict(encode_kwargs), default=str))
        if encode_kwargs is not None
        else {}
    )
    return [
        {
            "task": task_name,
            "splits": [split],
            "version": versions,
            "encode_kwargs": kwargs,
            "subsets": sorted({entry.get("hf_subset", "default") for entry in entries}),
        }
        for split, entries in scores.items()
    ]


def write_run_settings(folder: Path, rows: list[dict[str, Any]]) -> Path:
    """Merge `rows` into `folder/run_settings.jsonl` with mteb's own merge, written atomically."""
    from mteb.results.task_result import _write_and_merge_keyed_json

    path = folder / FILE_NAME
    with tempfile.TemporaryDirectory(prefix="run-settings-") as scratch:
        merged = Path(scratch) / FILE_NAME
        if path.exists():
            shutil.copyfile(path, merged)
        _write_and_merge_keyed_json(merged, rows)
        atomic_write_text(path, merged.read_text(encoding="utf-8"))
    return path

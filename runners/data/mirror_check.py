"""Name the file at fault when a task's local mirror copy fails to load or evaluate.

`datasets` reports a malformed JSON line as "An error occurred while generating the dataset"
and an empty file as a bare StopIteration; neither names a file. Only after such a failure,
this reads the mirror's data files itself and says which one is damaged and how.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from embedboard.errors import EmbedboardError

DATA_SUFFIXES = (".jsonl", ".json", ".parquet", ".csv", ".tsv")


def data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in DATA_SUFFIXES)


def first_damage(folder: Path) -> str | None:
    """ "FILE line N is not valid JSON" / "FILE has no rows" for the first damaged file, else None."""
    for path in data_files(folder):
        problem = _jsonl_damage(path) if path.suffix == ".jsonl" else _other_damage(path)
        if problem:
            return f"{path} {problem}"
    return None


def _jsonl_damage(path: Path) -> str | None:
    rows = 0
    with path.open(encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    return f"line {number} is not valid JSON ({err.msg})"
                if not isinstance(row, dict):
                    return f"line {number} is not a JSON object"
                rows += 1
        except UnicodeDecodeError:
            return "is not UTF-8 text"
    return None if rows else "has no rows"


def _other_damage(path: Path) -> str | None:
    if path.stat().st_size == 0:
        return "is empty"
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        try:
            if pq.read_metadata(path).num_rows == 0:
                return "has no rows"
        except Exception as err:  # pyarrow raises several types for a torn file
            return f"is not a readable Parquet file ({type(err).__name__})"
    return None


def damaged_mirror_error(err: BaseException, task: str, folder: str) -> EmbedboardError | None:
    """One line naming the damaged file (or missing column) of a local copy and the fix;
    None when the data look sound, so a bug elsewhere keeps its traceback."""
    root = Path(folder)
    fix = "restore it from the original (e.g. `embedboard data pull`), or drop --data-dir to use the hub"
    damage = first_damage(root) if root.is_dir() else None
    if damage:
        return EmbedboardError(f"Task {task}: the local copy is damaged: {damage}; {fix}.")
    text = f"{type(err).__name__}: {err}"
    column = re.search(r"Column '([^']+)' doesn't exist|KeyError: '([^']+)'", text)
    if column:
        name = column.group(1) or column.group(2)
        files = ", ".join(str(p.relative_to(root)) for p in data_files(root)[:4])
        return EmbedboardError(
            f"Task {task}: column or split '{name}' is missing from the local copy at {root} ({files}); {fix}."
        )
    if type(err).__name__ in {"DatasetGenerationError", "StopIteration", "EmptyDatasetError"}:
        return EmbedboardError(
            f"Task {task}: the local copy at {root} cannot be loaded ({text[:300]}); {fix}."
        )
    return None

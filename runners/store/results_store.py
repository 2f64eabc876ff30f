"""The only writer of `results/`: mteb's layout, atomic writes, and our side files.

The layout itself (folder names, side-file paths) is `embedboard.results_layout`, which
`reports/` reads too; this module writes it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from embedboard import results_layout as layout
from embedboard.atomic import atomic_write_json, atomic_write_text
from embedboard.results_layout import EXPERIMENTS_FOLDER, experiment_name, model_folder_name
from embedboard.safe_paths import check_path_part


def experiment_kwargs(dim: int | None) -> dict[str, int] | None:
    """What `mteb.get_model(name, embed_dim=d)` records as the model's experiment kwargs."""
    return {"embed_dim": dim} if dim is not None else None


class ResultsStore:
    """Result files of one model configuration (one revision, optionally one MRL dim)."""

    def __init__(
        self, root: str | Path, result_name: str, revision: str, dim: int | None = None
    ) -> None:
        self.root = Path(root)
        model_folder = check_path_part(
            model_folder_name(result_name), f"Model name {result_name!r} gives folder"
        )
        check_path_part(revision, f"Model {result_name}: revision")
        self.revision_folder = self.root / model_folder / revision
        name = experiment_name(dim)
        self.folder = (
            self.revision_folder / EXPERIMENTS_FOLDER / name if name else self.revision_folder
        )

    # ---- mteb files -------------------------------------------------------------------
    def task_path(self, task_name: str) -> Path:
        return self.folder / f"{check_path_part(task_name, 'Task name')}.json"

    def items_path(self, task_name: str) -> Path:
        return layout.items_path(self.folder, task_name)

    def has_task(self, task_name: str) -> bool:
        """A task counts as done only if its file parses: a torn file is never "done"."""
        path = self.task_path(task_name)
        if not path.exists():
            return False
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            return False
        return True

    def write_task_result(self, task_result: Any) -> Path:
        """Write an mteb TaskResult atomically, in mteb's own serialisation."""
        if isinstance(task_result, dict):  # runners of our own (BRIGHT) hand over plain dicts
            payload, task_name = task_result, task_result["task_name"]
        else:
            payload, task_name = json.loads(task_result.model_dump_json()), task_result.task_name
        path = self.task_path(task_name)
        atomic_write_json(path, payload)
        return path

    def write_model_meta(self, model_meta: Any) -> None:
        atomic_write_json(self.folder / layout.MODEL_META_FILE, model_meta.to_dict())

    def write_run_settings(
        self, task_name: str, scores: dict[str, Any], encode_kwargs: dict[str, Any] | None
    ) -> Path:
        """mteb's `run_settings.jsonl` rows for this task, merged into the folder's file."""
        from embedboard.runners.mteb.run_settings import run_settings_rows, write_run_settings

        return write_run_settings(self.folder, run_settings_rows(task_name, scores, encode_kwargs))

    # ---- side files -------------------------------------------------------------------
    @property
    def side_folder(self) -> Path:
        return layout.side_folder(self.folder)

    def predictions_folder(self) -> Path:
        return layout.predictions_folder(self.folder)

    def fresh_predictions_folder(self, task_name: str) -> Path:
        """The predictions folder, without an earlier `<Task>_predictions.json`.

        mteb merges into an existing predictions file (json.load, then a non-atomic rewrite),
        so a file torn by a kill made every re-run, --overwrite included, die on a
        JSONDecodeError. An evaluation writes the whole file anew, so the old one goes first.
        """
        folder = self.predictions_folder()
        (folder / f"{task_name}_predictions.json").unlink(missing_ok=True)
        return folder

    def write_run_record(self, task_name: str, record: dict[str, Any]) -> Path:
        path = layout.run_record_path(self.folder, check_path_part(task_name, "Task name"))
        atomic_write_json(path, record)
        return path

    def read_run_record(self, task_name: str) -> dict[str, Any] | None:
        path = layout.run_record_path(self.folder, task_name)
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def write_items(self, task_name: str, rows: Iterable[dict[str, Any]]) -> Path:
        """Per-item scores, one JSON object a line (see reports/ for the bootstrap that reads them)."""
        path = layout.items_path(self.folder, check_path_part(task_name, "Task name"))
        atomic_write_text(path, "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
        return path

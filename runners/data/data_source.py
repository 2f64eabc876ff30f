"""Where a task's data comes from: a local mirror folder, or the hub at the pinned revision.

A mirror is a folder `D` holding `D/<hf dataset path>/` in Hugging Face layout
(README.md with configs + data files), e.g. `../shared/mteb-mirror/mteb/scifact`.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embedboard.defaults import DATA_DIR_ENV
from embedboard.errors import EmbedboardError


def hub_offline() -> bool:
    return any(
        os.environ.get(v, "").lower() in {"1", "true", "yes"}
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def default_data_dir(cli_value: str | None) -> str | None:
    return cli_value or os.environ.get(DATA_DIR_ENV) or None


@dataclass(frozen=True)
class DataSource:
    """What a run record says about the data: a local folder (and its content hash) or a hub path at a revision."""

    kind: str  # "local" or "hub"
    location: str
    revision: str | None = None
    content_sha256: str | None = None  # local folders: hash of every file (embedboard.file_hashes)

    def as_dict(self) -> dict[str, Any]:
        payload = {"kind": self.kind, "location": self.location, "revision": self.revision}
        if self.content_sha256:
            payload["content_sha256"] = self.content_sha256
        return payload

    @property
    def identity(self) -> str:
        """What the data is, for the settings fingerprint: its content for a folder, path@revision on the hub."""
        if self.kind == "local":
            return f"local:{(self.content_sha256 or '')[:16]}"
        return f"hub:{self.location}@{self.revision or 'main'}"


def local_source(folder: Path) -> DataSource:
    """A mirror folder, fingerprinted by content (each file hashed once per version, see file_hashes)."""
    from embedboard.file_hashes import folder_sha256

    return DataSource("local", str(folder), content_sha256=folder_sha256(folder))


def mirror_folder(data_dir: str | os.PathLike[str], hf_path: str) -> Path:
    return Path(data_dir).expanduser().resolve() / hf_path


def pull_command(suite: str, data_dir: str | os.PathLike[str]) -> str:
    return f"embedboard data pull {suite} --data-dir {data_dir}"


def locate(task: Any, data_dir: str | None, suite_name: str = "SUITE") -> tuple[Any, DataSource]:
    """A copy of `task`, pointed at its mirror folder when there is one.

    The copy matters: mteb's benchmark objects are shared, and loading data into one, pointing
    it at a folder or wrapping its methods would leak into every later use in the process.
    """
    dataset = task.metadata.dataset
    hf_path, revision = dataset["path"], dataset.get("revision")
    located = copy.copy(task)
    if data_dir:
        folder = mirror_folder(data_dir, hf_path)
        if folder.is_dir():
            # A fresh metadata object: deepcopy of a task still shares it (mteb caches metadata).
            metadata = task.metadata.model_copy(deep=True)
            metadata.dataset = {**metadata.dataset, "path": str(folder)}
            object.__setattr__(located, "metadata", metadata)
            return located, local_source(folder)
        if hub_offline():
            raise EmbedboardError(
                f"Task {task.metadata.name}: no local copy at {folder} and the hub is offline. "
                f"Fill the mirror on a connected machine with `{pull_command(suite_name, data_dir)}`, "
                "or drop --data-dir to load from the hub."
            )
    return located, DataSource("hub", hf_path, revision)


def check_mirror(tasks: list[Any], data_dir: str | None, suite_name: str) -> None:
    """Fail before loading any model when an offline run lacks data folders: name them all."""
    if not data_dir or not hub_offline():
        return
    missing = [
        str(mirror_folder(data_dir, t.metadata.dataset["path"]))
        for t in tasks
        if not mirror_folder(data_dir, t.metadata.dataset["path"]).is_dir()
    ]
    if missing:
        listing = "\n  ".join(missing)
        raise EmbedboardError(
            f"The hub is offline and {len(missing)} task folder(s) are missing from {data_dir}:\n  {listing}\n"
            f"Fill them on a connected machine with `{pull_command(suite_name, data_dir)}`."
        )


def pull(
    tasks_or_paths: list[tuple[str, str | None]], data_dir: str, show_progress: bool = True
) -> list[Path]:
    """Download each (hf dataset path, revision) into `data_dir/<path>` (a connected machine's job)."""
    from huggingface_hub import snapshot_download

    written = []
    for hf_path, revision in tasks_or_paths:
        target = mirror_folder(data_dir, hf_path)
        if show_progress:
            print(f"pull {hf_path}@{revision or 'main'} -> {target}", flush=True)
        try:
            snapshot_download(
                repo_id=hf_path, repo_type="dataset", revision=revision, local_dir=str(target)
            )
        except Exception as err:  # network, auth, missing repo: say which dataset failed
            raise EmbedboardError(f"Could not download {hf_path}@{revision}: {err}") from err
        written.append(target)
    return written

"""Stable identities for local checkpoints and encoder settings."""

from __future__ import annotations

from pathlib import Path

from embedboard.file_hashes import folder_sha256


def checkpoint_revision(folder: Path) -> str:
    """A revision id for a local checkpoint: a hash of every byte of its weights, config and tokenizer.

    Partial hashes (names, sizes, first and last MiB) missed a scaled middle layer, and a
    re-run then reused results and vectors of the old weights. Each file's hash is memoised by
    path, size and times (`embedboard.file_hashes`), so a large checkpoint is read once.
    """
    return "local-" + folder_sha256(Path(folder))[:12]

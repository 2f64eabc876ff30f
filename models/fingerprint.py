"""Stable identities for local checkpoints and encoder settings."""

from __future__ import annotations

import hashlib
from pathlib import Path


def checkpoint_revision(folder: Path) -> str:
    """A revision id for a local checkpoint: changes whenever its config or weights change.

    Hashing every byte of a 7B checkpoint would take minutes; names, sizes and the
    first and last MiB of each weight file are enough to tell checkpoints apart.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        size = path.stat().st_size
        digest.update(f"{rel}:{size}\n".encode())
        with path.open("rb") as handle:
            digest.update(handle.read(1 << 20))
            if size > 2 << 20:
                handle.seek(-(1 << 20), 2)
                digest.update(handle.read())
    return "local-" + digest.hexdigest()[:12]

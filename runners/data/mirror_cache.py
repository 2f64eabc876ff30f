"""A `datasets` cache per mirror folder content, so a folder is loaded for what it is.

`datasets` keys its cache of a local folder by the folder's name and config layout, not
by its content: a rebuilt or swapped mirror, or a test fixture folder named like a real
dataset, silently returned the first version's rows. Here every local folder loads through
its own cache folder `<root>/<folder name>-<content sha256[:16]>`:

- a changed folder has another content hash, so it is read again;
- two folders with the same name and different content never share an entry;
- the same content in two places shares one (the rows are the same).

The root is `$EMBEDBOARD_MIRROR_CACHE`, else `~/.cache/embedboard/datasets`: loading a
mirror writes nothing into the user's default `~/.cache/huggingface/datasets`. Old
versions' folders are not removed automatically; deleting the root is always safe.

mteb's loaders call `datasets.load_dataset` without a `cache_dir` (the retrieval loader
does not forward the task's dataset kwargs), and `datasets` reads its default cache
folder from `datasets.config.HF_DATASETS_CACHE` at each call, so `datasets_cache_for`
points that setting at the folder's cache while mteb loads the task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from embedboard.defaults import MIRROR_CACHE_ENV, mirror_cache_root

__all__ = ["MIRROR_CACHE_ENV", "datasets_cache_for", "mirror_cache_dir", "mirror_cache_root"]


def mirror_cache_dir(source: Any, root: str | os.PathLike[str] | None = None) -> str | None:
    """The `datasets` cache folder of a local source (a `DataSource`), or None for the hub."""
    if getattr(source, "kind", None) != "local" or not getattr(source, "content_sha256", None):
        return None if root is None else str(root)
    base = Path(root).expanduser() if root is not None else mirror_cache_root()
    return str(base / f"{Path(source.location).name}-{source.content_sha256[:16]}")


@contextmanager
def datasets_cache_for(source: Any) -> Iterator[None]:
    """While inside, `datasets.load_dataset` without a `cache_dir` caches into the source's own folder."""
    folder = mirror_cache_dir(source)
    if folder is None:
        yield
        return
    import datasets

    previous = datasets.config.HF_DATASETS_CACHE
    datasets.config.HF_DATASETS_CACHE = Path(folder)
    try:
        yield
    finally:
        datasets.config.HF_DATASETS_CACHE = previous

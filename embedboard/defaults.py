"""Where things go when the user does not say: the results folder and every cache root.

Said once, here, so a test (tests/conftest.py) or a user can move every cache with an
environment variable and be sure nothing else still writes to `~/.cache/embedboard`. Each
root is read when it is asked for, not at import, so setting the variable later still counts.
No torch, no heavy imports: `reports/` and the CLI's parser read it.
"""

from __future__ import annotations

import os
from pathlib import Path

RESULTS_DIR = "results"  # `eval --results` and `report --results` default, relative to the cwd

CACHE_ROOT_PARTS = (".cache", "embedboard")
EMBEDDING_CACHE_ENV = "EMBEDBOARD_CACHE_DIR"
MIRROR_CACHE_ENV = "EMBEDBOARD_MIRROR_CACHE"
HASH_MEMO_ENV = "EMBEDBOARD_HASH_MEMO"
DATA_DIR_ENV = "EMBEDBOARD_DATA_DIR"


def cache_root() -> Path:
    """`~/.cache/embedboard`: the parent of every default cache below."""
    return Path.home().joinpath(*CACHE_ROOT_PARTS)


def _from_env(variable: str, default: Path) -> Path:
    return Path(os.environ.get(variable) or default).expanduser()


def embedding_cache_dir() -> Path:
    """Embedding vectors (`--cache-dir`): `$EMBEDBOARD_CACHE_DIR`, else `<cache root>/embeddings`."""
    return _from_env(EMBEDDING_CACHE_ENV, cache_root() / "embeddings")


def mirror_cache_root() -> Path:
    """`datasets` caches of local mirrors: `$EMBEDBOARD_MIRROR_CACHE`, else `<cache root>/datasets`."""
    return _from_env(MIRROR_CACHE_ENV, cache_root() / "datasets")


def hash_memo_path() -> Path:
    """Memoised file hashes: `$EMBEDBOARD_HASH_MEMO`, else `<cache root>/file-hashes.sqlite`."""
    return _from_env(HASH_MEMO_ENV, cache_root() / "file-hashes.sqlite")

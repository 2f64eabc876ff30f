"""Content-addressed embedding cache on disk (SQLite, one file per model configuration).

A key covers everything that changes a vector: the model configuration (namespace),
the prompt type, the instruction and the input itself. The prompt type is part of the
key even when the instruction is empty, so the same text as a query and as a document
never share an entry (mteb issue #5383 is that bug in mteb's own cache).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput, PromptType

DEFAULT_CACHE_DIR = Path(os.environ.get("EMBEDBOARD_CACHE_DIR", Path.home() / ".cache" / "embedboard" / "embeddings"))

# Card fields that change the vectors a model produces. Batch size and device do not.
_VECTOR_FIELDS = ("adapter", "source", "hub_id", "revision", "dtype", "pooling", "max_length", "normalize")


def cache_namespace(card: ModelCard, extra: dict[str, Any] | None = None) -> str:
    """Identity of a model configuration: equal namespaces mean interchangeable vectors."""
    identity = {name: getattr(card, name) for name in _VECTOR_FIELDS}
    identity["options"] = {k: v for k, v in sorted(card.options.items()) if not k.startswith("runtime_")}
    identity.update(extra or {})
    blob = json.dumps(identity, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:24]


def canonical_input(item: EncoderInput) -> str:
    """A text stands for itself; a multimodal input is canonical JSON with bytes hashed."""
    if isinstance(item, str):
        return item

    def _encode(value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return {"sha256": hashlib.sha256(value).hexdigest()}
        if isinstance(value, dict):
            return {k: _encode(v) for k, v in sorted(value.items())}
        if isinstance(value, (list, tuple)):
            return [_encode(v) for v in value]
        return value

    return json.dumps(_encode(item), sort_keys=True, ensure_ascii=False)


def entry_key(prompt_type: PromptType, instruction: str | None, item: EncoderInput) -> bytes:
    """The content address of one input on one side with one instruction."""
    digest = hashlib.sha256()
    for part in (prompt_type or "<symmetric>", instruction or "", canonical_input(item)):
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "little"))  # length-prefixed: no ambiguity at the seams
        digest.update(encoded)
    return digest.digest()


class EmbeddingCache:
    """Vectors of one model configuration, keyed by `entry_key`.

    SQLite gives atomic commits: a run killed mid-way keeps every chunk committed so far
    and never leaves a torn vector behind.
    """

    def __init__(self, directory: str | os.PathLike[str], namespace: str, description: str = "") -> None:
        self.path = Path(directory).expanduser() / f"{namespace}.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._explained():
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
            if description:
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('description', ?)", (description,))
            self._conn.commit()
        self.hits = 0
        self.misses = 0

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock, self._explained():
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", chunk)
                for key, blob in rows:
                    found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        rows = [(key, np.ascontiguousarray(vec, dtype=np.float32).tobytes()) for key, vec in items]
        with self._lock, self._explained():
            self._conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            self._conn.commit()

    @contextmanager
    def _explained(self) -> Iterator[None]:
        """A damaged or full cache file becomes one line naming the file and the fix."""
        try:
            yield
        except sqlite3.OperationalError as err:
            if "full" in str(err):
                raise EmbedboardError(
                    f"The disk holding the embedding cache {self.path} is full ({err}); free space, "
                    "or pass --cache-dir on another disk (or --no-cache)."
                ) from err
            raise EmbedboardError(f"The embedding cache {self.path} cannot be used ({err}); see its folder's permissions, "
                                  "or pass another --cache-dir (or --no-cache).") from err
        except sqlite3.DatabaseError as err:
            raise EmbedboardError(
                f"The embedding cache {self.path} is damaged ({err}); delete that file (its vectors are "
                "recomputed), or pass another --cache-dir (or --no-cache)."
            ) from err

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

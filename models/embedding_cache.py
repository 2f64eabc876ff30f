"""Content-addressed embedding cache on disk (SQLite, one file per model configuration).

A key covers everything that changes a vector: the model configuration (namespace),
the prompt type, the instruction and the input itself. The prompt type is part of the
key even when the instruction is empty, so the same text as a query and as a document
never share an entry (mteb issue #5383 is that bug in mteb's own cache). A remote card's
server address and served model name (`options.api_base`, `source`) are card fields, so
they are part of the namespace too.

Every row carries a checksum of its key and vector, and a read returns only rows that pass
it and look like vectors of the model (finite, non-zero, the card's dimension); the rest
are reported with a `CacheWarning` and treated as misses, so they are re-encoded.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput, PromptType
from embedboard.models.vector_identity import vector_identity


def cache_namespace(card: ModelCard, extra: dict[str, Any] | None = None) -> str:
    """Identity of a model configuration: equal namespaces mean interchangeable vectors.

    The card's part is `vector_identity`, the same one the settings fingerprint of every
    result holds, so a cached vector and a reused result are keyed by the same facts.
    """
    identity = vector_identity(card)
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
        digest.update(
            len(encoded).to_bytes(8, "little")
        )  # length-prefixed: no ambiguity at the seams
        digest.update(encoded)
    return digest.digest()


class CacheWarning(UserWarning):
    """A cached vector failed validation and is being re-encoded."""


def row_checksum(key: bytes, blob: bytes) -> bytes:
    """Ties a stored vector to its key: a flipped, rotated or swapped vector no longer matches."""
    return hashlib.blake2b(key + blob, digest_size=16).digest()


def _problem(key: bytes, blob: bytes, checksum: bytes | None, dim: int | None) -> str | None:
    """Why a stored row is unusable, or None when it is a good vector."""
    if checksum is None:
        return "no checksum (written by an older embedboard)"
    if bytes(checksum) != row_checksum(key, blob):
        return "checksum mismatch"
    vector = np.frombuffer(blob, dtype=np.float32)
    if dim is not None and vector.shape[0] != dim:
        return f"dimension {vector.shape[0]} instead of {dim}"
    if not np.isfinite(vector).all():
        return "NaN or inf"
    if not np.any(vector):
        return "all zeros"
    return None


class EmbeddingCache:
    """Vectors of one model configuration, keyed by `entry_key`.

    SQLite gives atomic commits: a run killed mid-way keeps every chunk committed so far
    and never leaves a torn vector behind.
    """

    def __init__(
        self, directory: str | os.PathLike[str], namespace: str, description: str = ""
    ) -> None:
        self.path = Path(directory).expanduser() / f"{namespace}.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._explained():
            self._conn = sqlite3.connect(self.path, check_same_thread=False, timeout=60)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL, checksum BLOB)"
            )
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(vectors)")}
            if (
                "checksum" not in columns
            ):  # a cache written before checksums: its rows read as misses
                self._conn.execute("ALTER TABLE vectors ADD COLUMN checksum BLOB")
            self._conn.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT)")
            if description:
                self._conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('description', ?)", (description,)
                )
            self._conn.commit()
        self.description = description
        self.hits = 0
        self.misses = 0
        self.rejected = 0

    def get_many(self, keys: Sequence[bytes], dim: int | None = None) -> dict[bytes, np.ndarray]:
        """Good stored vectors for `keys`; a row that fails validation is left out (re-encoded) with a warning."""
        found: dict[bytes, np.ndarray] = {}
        problems: dict[str, int] = {}
        with self._lock, self._explained():
            for start in range(0, len(keys), 500):
                chunk = list(keys[start : start + 500])
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, vec, checksum FROM vectors WHERE key IN ({marks})", chunk
                )
                for key, blob, checksum in rows:
                    key, blob = bytes(key), bytes(blob)
                    problem = _problem(key, blob, checksum, dim)
                    if problem is None:
                        found[key] = np.frombuffer(blob, dtype=np.float32)
                    else:
                        problems[problem] = problems.get(problem, 0) + 1
        if problems:
            self.rejected += sum(problems.values())
            reasons = ", ".join(f"{count} {why}" for why, count in sorted(problems.items()))
            warnings.warn(
                f"embedding cache {self.path} ({self.description or 'model'}): {sum(problems.values())} stored "
                f"vector(s) failed validation ({reasons}); re-encoding them.",
                CacheWarning,
                stacklevel=2,
            )
        self.hits += len(found)
        self.misses += len(set(keys)) - len(found)
        return found

    def put_many(self, items: Iterable[tuple[bytes, np.ndarray]]) -> None:
        rows = []
        for key, vec in items:
            blob = np.ascontiguousarray(vec, dtype=np.float32).tobytes()
            rows.append((key, blob, row_checksum(bytes(key), blob)))
        with self._lock, self._explained():
            self._conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, vec, checksum) VALUES (?, ?, ?)", rows
            )
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
            raise EmbedboardError(
                f"The embedding cache {self.path} cannot be used ({err}); see its folder's permissions, "
                "or pass another --cache-dir (or --no-cache)."
            ) from err
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

"""Full-content hashes of files and folders, each file hashed once per version on disk.

A checkpoint's revision and a mirror folder's fingerprint must change whenever any byte
changes (a scaled middle layer keeps every file's size, head and tail), so every byte is
hashed. A 15 GB checkpoint takes minutes to hash, so each file's hash is memoised by
(path, size, mtime, ctime, inode): a re-run reads only the memo. ctime and the inode
catch a file replaced by a copy that kept the old modification time (`cp -p`, rsync -t).

The memo is a small SQLite file under ~/.cache/embedboard (env EMBEDBOARD_HASH_MEMO), never
inside the folder it describes; tests point it at a temporary folder.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from embedboard.defaults import HASH_MEMO_ENV, hash_memo_path

MEMO_ENV = HASH_MEMO_ENV
_CHUNK = 8 << 20


def memo_path() -> Path:
    return hash_memo_path()


def _stat_key(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}|{stat.st_ino}"


def _hash_bytes(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


class _Memo:
    """stat key -> sha256; a memo that cannot be opened only costs re-hashing, never a wrong hash."""

    def __init__(self, path: Path) -> None:
        self.conn: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(path, timeout=60)
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS hashes (stat_key TEXT PRIMARY KEY, sha256 TEXT NOT NULL)"
            )
        except (OSError, sqlite3.Error):
            self.conn = None

    def get(self, key: str) -> str | None:
        if self.conn is None:
            return None
        row = self.conn.execute("SELECT sha256 FROM hashes WHERE stat_key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, sha: str) -> None:
        if self.conn is not None:
            with self.conn:
                self.conn.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?)", (key, sha))

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def file_sha256(path: Path, memo: _Memo | None = None) -> str:
    """sha256 of every byte of `path`, read from the memo when the file has not changed."""
    own = memo is None
    memo = memo or _Memo(memo_path())
    try:
        key = _stat_key(path)
        sha = memo.get(key)
        if sha is None:
            sha = _hash_bytes(path)
            if _stat_key(path) == key:  # not modified while we read it
                memo.put(key, sha)
        return sha
    finally:
        if own:
            memo.close()


def folder_files(folder: Path) -> list[Path]:
    """Every regular file under `folder`, in a stable order (hidden tool folders such as .git excluded)."""
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def folder_sha256(folder: Path, files: Iterable[Path] | None = None) -> str:
    """One hash over (relative path, content hash) of every file: equal iff the folders' contents are."""
    folder = Path(folder)
    digest = hashlib.sha256()
    memo = _Memo(memo_path())
    try:
        for path in files if files is not None else folder_files(folder):
            digest.update(
                f"{path.relative_to(folder).as_posix()}\0{file_sha256(path, memo)}\n".encode()
            )
    finally:
        memo.close()
    return digest.hexdigest()

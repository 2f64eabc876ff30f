"""Shared helpers for the scale-out tests: adapters on the tiny model, and cache contents."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from embedboard.models.registry import get_card, load_adapter


def tiny_encoder(model_dir: Path, cache: Path | None):  # noqa: ANN201 -- an EmbeddingModel
    return load_adapter(
        get_card(str(model_dir)),
        device="cpu",
        cache_dir=str(cache) if cache else None,
        show_progress=False,
    )


def cache_rows(cache_dir: Path) -> dict[bytes, bytes]:
    """Every (key, vector bytes) in a cache folder: bit-level comparisons between layouts."""
    rows: dict[bytes, bytes] = {}
    for path in Path(cache_dir).glob("*.sqlite"):
        with sqlite3.connect(path) as conn:
            rows.update(
                (bytes(k), bytes(v)) for k, v in conn.execute("SELECT key, vec FROM vectors")
            )
    return rows


class InProcessPool:
    """The pool contract without processes: one adapter per 'worker', shards round-robin."""

    def __init__(self, adapters, names=None, stop_after=None):  # noqa: ANN001
        self.adapters, self.stop_after = adapters, stop_after
        self.names = names or [f"w{i}" for i in range(len(adapters))]
        self.layout = f"in-process x{len(adapters)}"

    def results(self, shards):  # noqa: ANN001, ANN201
        from embedboard.runners.scale.workers import encode_shard

        for number, shard in enumerate(shards):
            if self.stop_after is not None and number == self.stop_after:
                raise KeyboardInterrupt  # the driver killed mid-run
            i = number % len(self.adapters)
            yield encode_shard(self.adapters[i], shard, self.names[i])

"""The run record written beside each task result: enough to reproduce or audit the number."""

from __future__ import annotations

import platform
import time
from importlib import metadata
from typing import Any

_PACKAGES = (
    "embedboard",
    "mteb",
    "torch",
    "transformers",
    "sentence-transformers",
    "datasets",
    "numpy",
    "pytrec-eval-terrier",
)


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_run_record(
    *,
    task_name: str,
    card: Any,
    dim: int | None,
    runtime: dict[str, Any],
    data_source: dict[str, Any],
    main_score: float | None,
    wall_seconds: float,
    encode_stats: dict[str, Any],
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`settings` is the fingerprint a re-run compares before reusing this result (runners.reuse)."""
    # Only non-secret card fields: option values name environment variables, never hold keys.
    return {
        "task": task_name,
        "model": card.name,
        "result_name": card.result_name,
        "revision": card.revision,
        "dim": dim or card.dim,
        "card": card.to_dict(),
        "runtime": runtime,
        "data_source": data_source,
        "main_score": main_score,
        "wall_seconds": round(wall_seconds, 3),
        "encode": encode_stats,
        "settings": settings,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": package_versions(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }

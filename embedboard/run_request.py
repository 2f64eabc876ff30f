"""What `eval` and `plan` were asked to do, typed: built by the CLI, read by the checks below it.

The model part is a `models.model_request.ModelRequest` (what `models/` reads); this adds the
tasks, the folders and the scale-out flags. `embedboard.cli.request.run_request` is the one
place that builds it from parsed flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from embedboard.defaults import RESULTS_DIR
from embedboard.models.model_request import ModelRequest


@dataclass(frozen=True)
class RunRequest:
    """What `eval` / `plan` were asked to do: the model, the tasks, and where things go."""

    model: ModelRequest
    suite: str | None = None
    tasks: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    data_dir: str | None = None
    results: str = RESULTS_DIR
    dims: tuple[int, ...] = ()
    overwrite: bool = False
    cache_dir: str | None = None  # None: --no-cache
    quiet: bool = False
    query_variant: str = "examples"  # BRIGHT's queries (eval only)
    workers: int | None = None
    ray: str | None = None
    shards_per_worker: int = 4

    @property
    def dim_list(self) -> list[int] | None:
        return list(self.dims) or None

    @property
    def task_list(self) -> list[str] | None:
        return list(self.tasks) or None

"""Suites as data (`tasks/suites.yaml`), resolved to mteb task objects or BRIGHT domains."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from embedboard.errors import EmbedboardError, unknown_name_error

SUITES_FILE = Path(__file__).with_name("suites.yaml")
BRIGHT_HF_PATH = "xlangai/BRIGHT"


@dataclass(frozen=True)
class Suite:
    name: str
    runner: str  # "mteb" or "bright"
    description: str = ""
    benchmark: str | None = None
    benchmarks: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    long_context: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def task_names(self) -> list[str]:
        """Names without building task objects (cheap: for listings and reports)."""
        if self.runner == "bright":
            return list(self.domains)
        if self.tasks:
            return list(self.tasks)
        return [t.metadata.name for t in self.mteb_tasks()]

    def mteb_tasks(self, only: list[str] | None = None) -> list[Any]:
        """mteb task objects, from the benchmark definitions so split selections hold."""
        import mteb

        if self.runner != "mteb":
            raise EmbedboardError(f"Suite {self.name} is not an mteb suite.")
        if self.benchmark:
            pool = {t.metadata.name: t for t in mteb.get_benchmark(self.benchmark).tasks}
            names = list(pool)
        else:
            pool = {}
            for bench in self.benchmarks:
                for task in mteb.get_benchmark(bench).tasks:
                    pool.setdefault(task.metadata.name, task)
            names = list(self.tasks)
        if only:
            unknown = [n for n in only if n not in names]
            if unknown:
                raise unknown_name_error(f"task in suite {self.name}", unknown[0], names, f"embedboard suites --tasks {self.name}")
            names = [n for n in names if n in only]
        return [pool[n] if n in pool else _get_task(n) for n in names]


def _get_task(name: str) -> Any:
    import mteb

    try:
        return mteb.get_task(name)
    except KeyError as err:
        raise EmbedboardError(f"mteb knows no task '{name}': {err}") from err


@lru_cache(maxsize=1)
def load_suites() -> dict[str, Suite]:
    raw = yaml.safe_load(SUITES_FILE.read_text(encoding="utf-8"))
    suites = {}
    for name, spec in raw.items():
        spec = dict(spec)
        suites[name] = Suite(
            name=name,
            runner=spec.pop("runner"),
            description=spec.pop("description", ""),
            benchmark=spec.pop("benchmark", None),
            benchmarks=tuple(spec.pop("benchmarks", ())),
            tasks=tuple(spec.pop("tasks", ())),
            domains=tuple(spec.pop("domains", ())),
            long_context=bool(spec.pop("long_context", False)),
            extra=spec,
        )
    return suites


def get_suite(name: str) -> Suite:
    suites = load_suites()
    if name not in suites:
        raise unknown_name_error("suite", name, suites, "embedboard suites")
    return suites[name]


def resolve_tasks(names: list[str]) -> list[Any]:
    """Ad-hoc `--tasks` without a suite: mteb tasks by name, with "did you mean" on typos."""
    import mteb

    known = [t.metadata.name for t in mteb.get_tasks()]
    out = []
    for name in names:
        if name not in known:
            raise unknown_name_error("task", name, known, "python -c 'import mteb; print(mteb.get_tasks())'")
        out.append(mteb.get_task(name))
    return out

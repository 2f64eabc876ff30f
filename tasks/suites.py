"""Suites as data (`tasks/suites.yaml`), resolved to mteb task objects or BRIGHT domains."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError, unknown_name_error
from embedboard.yaml_files import read_yaml

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
                raise unknown_name_error(
                    f"task in suite {self.name}",
                    unknown[0],
                    names,
                    f"embedboard suites --tasks {self.name}",
                )
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
    raw = read_yaml(SUITES_FILE, "Suites file")
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


def _squashed(name: str) -> str:
    """ "MTEB(eng, v2)" == "mteb(eng,v2)", "Pair Classification" == "PairClassification"."""
    return "".join(ch for ch in name.lower() if ch not in " _-")


def get_suite(name: str) -> Suite:
    """A suite by our name, by an mteb benchmark name it stands for, or built from any mteb benchmark."""
    suites = load_suites()
    if name in suites:
        return suites[name]
    wanted = _squashed(name)
    for suite in suites.values():
        names = [suite.name, suite.benchmark or "", *suite.extra.get("aliases", ())]
        if wanted in {_squashed(n) for n in names if n}:
            return suite
    benchmark = _mteb_benchmark_name(wanted)
    if benchmark is not None:
        return Suite(
            name=benchmark,
            runner="mteb",
            description=f"mteb benchmark {benchmark}",
            benchmark=benchmark,
        )
    aliases = [
        a
        for suite in suites.values()
        for a in (suite.benchmark, *suite.extra.get("aliases", ()))
        if a
    ]
    raise unknown_name_error("suite", name, [*suites, *aliases], "embedboard suites")


def _mteb_benchmark_name(squashed: str) -> str | None:
    import mteb

    for benchmark in mteb.get_benchmarks():
        if _squashed(benchmark.name) == squashed:
            return benchmark.name
    return None


def _benchmark_pool() -> dict[str, Any]:
    """Tasks of our suites' benchmarks, first definition wins: they carry the benchmark's splits."""
    import mteb

    pool: dict[str, Any] = {}
    for suite in load_suites().values():
        for bench in ([suite.benchmark] if suite.benchmark else []) + list(suite.benchmarks):
            for task in mteb.get_benchmark(bench).tasks:
                pool.setdefault(task.metadata.name, task)
    return pool


def resolve_tasks(names: list[str]) -> list[Any]:
    """Ad-hoc `--tasks` without a suite: mteb tasks by name, with "did you mean" on typos.

    A task of one of our benchmarks comes with that benchmark's split selection (C-MTEB
    scores STSB on `test` only; plain `mteb.get_task("STSB")` also wants `validation`),
    so `--tasks STSB` scores what `--suite smoke --tasks STSB` scores.
    """
    import mteb

    known = [t.metadata.name for t in mteb.get_tasks()]
    pool = _benchmark_pool()
    out = []
    for name in names:
        if name not in known:
            raise unknown_name_error(
                "task", name, known, "python -c 'import mteb; print(mteb.get_tasks())'"
            )
        out.append(pool[name] if name in pool else mteb.get_task(name))
    return out


def filter_task_types(tasks: list[Any], types: list[str] | None) -> list[Any]:
    """Keep tasks of the given mteb types; "Pair Classification" matches PairClassification."""
    if not types:
        return tasks
    present = sorted({t.metadata.type for t in tasks})
    by_squashed = {_squashed(t): t for t in present}
    unknown = [t for t in types if _squashed(t) not in by_squashed]
    if unknown:
        raise unknown_name_error(
            "task type in this selection", unknown[0], present, "embedboard suites --tasks SUITE"
        )
    wanted = {by_squashed[_squashed(t)] for t in types}
    return [t for t in tasks if t.metadata.type in wanted]

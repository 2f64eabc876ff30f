"""Leaderboard rows from result folders: plain tables of strings, ready for any renderer.

A row's AVG is the mean over the suite's tasks (or, for BRIGHT, over its domains); a type
column is the mean over that type's tasks. A row missing any task gets no AVG, unless
`allow_partial`, which computes it over what is there and marks the row: a mean over a
partial set silently flatters a model (mteb issue #4263).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embedboard.errors import EmbedboardError
from embedboard.reports.loading import ResultFolder, TaskFile, group_by_model, merge_revisions
from embedboard.reports.scoring import mean, missing_parts, subset_scores, task_score
from embedboard.reports.suites import SuiteSpec

PARTIAL_MARK = "*"
MAX_NAMES_IN_CELL = 4


class NoResultsError(EmbedboardError):
    """None of the given folders holds any task of the suite."""


@dataclass
class Table:
    """Header and rows as strings; `sort_keys` holds each cell's number (None for text) for sorting."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    sort_keys: list[list[float | None]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    text_columns: int = 1  # leading columns that hold names, not scores


@dataclass
class ModelEntry:
    """One leaderboard row's source: a model (all revisions merged), or one MRL experiment of it."""

    label: str
    model: str
    experiment: str | None
    tasks: dict[str, TaskFile]


def model_entries(folders: list[ResultFolder], models: list[str] | None = None, with_experiments: bool = False) -> list[ModelEntry]:
    """Merge revision folders per model; `models` filters by "org/name", "org__name" or "name"."""
    entries = []
    for (model, experiment), group in group_by_model(folders, with_experiments).items():
        if models and not any(m.replace("__", "/", 1) in (model, model.split("/", 1)[-1]) for m in models):
            continue
        short = model.split("/", 1)[-1]
        label = f"{short} ({experiment})" if experiment else short
        entries.append(ModelEntry(label=label, model=model, experiment=experiment, tasks=merge_revisions(group)))
    if models and not entries:
        known = sorted({f.model for f in folders})
        raise EmbedboardError(f"No results for model(s) {', '.join(models)}. Models found: {', '.join(known) or 'none'}.")
    return entries


def units(entry: ModelEntry, suite: SuiteSpec) -> list[tuple[str, str, float | None]]:
    """(column key, unit name, score or None) for every task (or BRIGHT domain) of the suite."""
    if suite.columns == "subsets":
        task = suite.tasks[0]
        scores = subset_scores(entry.tasks.get(task.name), task)
        return [(key, key, scores.get(key)) for key in suite.column_keys()]
    return [(t.type, t.name, task_score(entry.tasks.get(t.name), t)) for t in suite.tasks]


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_IN_CELL])
    return shown + (f" +{len(names) - MAX_NAMES_IN_CELL} more" if len(names) > MAX_NAMES_IN_CELL else "")


def _cell(values: list[float], missing: list[str], decimals: int, allow_partial: bool) -> tuple[str, float | None]:
    if not missing:
        value = mean(values)
        return f"{value:.{decimals}f}", value
    if allow_partial and values:
        value = mean(values)
        return f"{value:.{decimals}f}{PARTIAL_MARK} (missing: {_names(missing)})", value
    return f"missing: {_names(missing)}", None


def _row(entry: ModelEntry, suite: SuiteSpec, allow_partial: bool) -> tuple[list[str], list[float | None], list[str]]:
    row_units = units(entry, suite)
    cells, keys = [], []
    for column in suite.column_keys():
        in_column = [(name, score) for key, name, score in row_units if key == column]
        text, value = _cell([s for _, s in in_column if s is not None], [n for n, s in in_column if s is None], suite.decimals, allow_partial)
        cells.append(text)
        keys.append(value)
    present = [s for _, _, s in row_units if s is not None]
    missing = [n for _, n, s in row_units if s is None]
    label = entry.label
    if not missing:
        avg: float | None = mean(present)
        avg_text = f"{avg:.{suite.decimals}f}"
    elif allow_partial and present:
        avg = mean(present)
        avg_text = f"{avg:.{suite.decimals}f}{PARTIAL_MARK}"
        label = f"{entry.label} (partial: {len(present)}/{len(row_units)})"
    else:
        avg, avg_text = None, f"n/a ({len(missing)} of {len(row_units)} missing)"
    return [label, avg_text, *cells], [None, avg, *keys], missing


def leaderboard(entries: list[ModelEntry], suite: SuiteSpec, allow_partial: bool = False) -> Table:
    """The suite's leaderboard, best AVG first; models with none of the suite's tasks are left out."""
    table = Table(title=suite.title, headers=["Model", "AVG", *[suite.label(k) for k in suite.column_keys()]])
    built = []
    for entry in entries:
        cells, keys, missing = _row(entry, suite, allow_partial)
        n_units = len(suite.column_keys()) if suite.columns == "subsets" else len(suite.tasks)
        if len(missing) == n_units:
            continue
        built.append((cells, keys, missing, entry))
    if not built:
        raise NoResultsError(
            f"No results for any task of suite {suite.name}. Run `embedboard eval --suite {suite.name} ...` "
            f"or point --results at a folder holding <org>__<model>/<revision>/<Task>.json files."
        )
    built.sort(key=lambda b: (b[1][1] is None, bool(b[2]), -(b[1][1] or 0.0), b[0][0]))
    for cells, keys, missing, entry in built:
        table.rows.append(cells)
        table.sort_keys.append(keys)
        if missing:
            table.notes.append(f"{entry.label}: missing {len(missing)}: {', '.join(missing)}.")
    what = "domains" if suite.columns == "subsets" else "tasks"
    table.notes.insert(0, f"Scores: the benchmark's main metric x100, mean over its eval splits and subsets; AVG = mean over {what}.")
    if allow_partial and any(b[2] for b in built):
        table.notes.insert(1, f"{PARTIAL_MARK} partial: mean over the {what} present only (--allow-partial); not comparable with full rows.")
    return table


def details(entries: list[ModelEntry], suite: SuiteSpec) -> Table:
    """Per-task (or per-domain) scores, one column per model."""
    scored = [(e, [s for _, _, s in units(e, suite)]) for e in entries]
    scored = [(e, s) for e, s in scored if any(v is not None for v in s)]
    # Same order as the leaderboard: complete rows first, best mean first.
    scored.sort(key=lambda es: (None in es[1], -(mean(v for v in es[1] if v is not None) or 0.0)))
    entries = [e for e, _ in scored]
    first_headers = ["Domain", "Task"] if suite.columns == "subsets" else ["Task", "Type"]
    table = Table(title=f"{suite.title}: per-task scores", headers=[*first_headers, *[e.label for e in entries]], text_columns=2)
    per_entry = [{name: (key, score) for key, name, score in units(e, suite)} for e in entries]
    order = {key: i for i, key in enumerate(suite.column_keys())}
    first = units(entries[0], suite) if entries else []
    rows = sorted(first, key=lambda u: (order[u[0]], u[1])) if suite.columns == "types" else first
    for key, name, _ in rows:
        scores = [p[name][1] for p in per_entry]
        kind = suite.tasks[0].name if suite.columns == "subsets" else key
        table.rows.append([name, kind, *[f"{s:.{suite.decimals}f}" if s is not None else "missing" for s in scores]])
        table.sort_keys.append([None, None, *scores])
    for entry in entries:
        for task in suite.tasks:
            gaps = missing_parts(entry.tasks.get(task.name), task)
            if gaps and task.name in entry.tasks:
                table.notes.append(f"{entry.label} / {task.name}: incomplete ({'; '.join(gaps[:6])}).")
    return table

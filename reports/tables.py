"""Leaderboard rows from result folders: plain tables of strings, ready for any renderer.

A row's AVG is the mean over the suite's tasks (or, for BRIGHT, over its domains); a type
column is the mean over that type's tasks. A row missing any task gets no AVG, unless
`allow_partial`, which computes it over what is there and marks the row: a mean over a
partial set silently flatters a model (mteb issue #4263).

`leaderboard(..., extended=True)` (the HTML page) adds what mteb's leaderboard prints: the
Borda rank it sorts by, the mean over task types, and the model's link, size, embedding size,
max tokens, revision and date; its missing cells are compact, with the full list on hover.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from embedboard.errors import EmbedboardError
from embedboard.reports.borda import borda_ranks
from embedboard.reports.loading import (
    ResultFolder,
    TaskFile,
    group_by_model,
    merge_revisions,
    revision_groups,
)
from embedboard.reports.model_info import model_info, short_revision
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
    titles: list[list[str]] = field(
        default_factory=list
    )  # per cell: hover text ("" for none); HTML only
    links: list[str | None] = field(
        default_factory=list
    )  # per row: URL for the model's name; HTML only
    link_column: int = 0


@dataclass
class ModelEntry:
    """One leaderboard row's source: a model (all revisions merged), or one MRL experiment of it."""

    label: str
    model: str
    experiment: str | None
    tasks: dict[str, TaskFile]
    folders: list[ResultFolder] = field(default_factory=list)
    split_note: str | None = None  # why this model's revisions got separate rows

    @property
    def revisions(self) -> list[str]:
        return sorted({f.revision for f in self.folders})

    def revision_note(self) -> str | None:
        """Which revision each task came from, when a row merges several (never silently)."""
        if len(self.revisions) < 2:
            return None
        counts = {
            f.revision: sum(1 for t in self.tasks.values() if t.path.parent == f.path)
            for f in self.folders
        }
        parts = ", ".join(
            f"{short_revision(rev)} ({n} task{'s' if n != 1 else ''})"
            for rev, n in sorted(counts.items())
        )
        return f"{self.label}: one row from {len(self.revisions)} revision folders holding different tasks: {parts}."


def model_entries(
    folders: list[ResultFolder], models: list[str] | None = None, with_experiments: bool = False
) -> list[ModelEntry]:
    """Revision folders per model: merged when they hold different tasks, one row per revision when
    they overlap (see `loading.revision_groups`); `models` filters by "org/name", "org__name" or "name"."""
    entries = []
    for (model, experiment), group in group_by_model(folders, with_experiments).items():
        if models and not any(
            m.replace("__", "/", 1) in (model, model.split("/", 1)[-1]) for m in models
        ):
            continue
        short = model.split("/", 1)[-1]
        rows = revision_groups(group)
        split_note = None
        if len(rows) > 1:
            shared = sorted(
                {t for a in group for b in group if a is not b for t in set(a.tasks) & set(b.tasks)}
            )
            split_note = (
                f"{short}: revisions {', '.join(short_revision(f.revision) for f in group)} both hold "
                f"{_names(shared)}: one row per revision, never merged (move the stale folder away to merge them)."
            )
        for row_folders in rows:
            label = short + (
                f" @ {short_revision(row_folders[0].revision)}" if len(rows) > 1 else ""
            )
            label = f"{label} ({experiment})" if experiment else label
            entries.append(
                ModelEntry(
                    label=label,
                    model=model,
                    experiment=experiment,
                    tasks=merge_revisions(row_folders),
                    folders=row_folders,
                    split_note=split_note,
                )
            )
    if models and not entries:
        known = sorted({f.model for f in folders})
        raise EmbedboardError(
            f"No results for model(s) {', '.join(models)}. Models found: {', '.join(known) or 'none'}."
        )
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
    return shown + (
        f" +{len(names) - MAX_NAMES_IN_CELL} more" if len(names) > MAX_NAMES_IN_CELL else ""
    )


def _cell(
    values: list[float],
    missing: list[str],
    decimals: int,
    allow_partial: bool,
    compact: bool = False,
) -> tuple[str, float | None]:
    """A mean cell's text and sort key; `compact` (HTML) says only how many are missing: the names go on hover."""
    listed = f"{len(missing)} missing" if compact else f"missing: {_names(missing)}"
    if not missing:
        value = mean(values)
        return f"{value:.{decimals}f}", value
    if allow_partial and values:
        value = mean(values)
        return f"{value:.{decimals}f}{PARTIAL_MARK}" + (
            "" if compact else f" (missing: {_names(missing)})"
        ), value
    return listed, None


@dataclass
class _Row:
    """One model's computed row before layout: per-column means, AVG, and what is missing."""

    entry: ModelEntry
    label: str
    avg: float | None
    avg_text: str
    columns: list[
        tuple[str, float | None, list[str]]
    ]  # (text, value, missing names) per type/domain column
    unit_scores: dict[str, float | None]  # per task (or domain): score, None when missing
    missing: list[str]


def _row(entry: ModelEntry, suite: SuiteSpec, allow_partial: bool, compact: bool) -> _Row:
    row_units = units(entry, suite)
    columns = []
    for column in suite.column_keys():
        in_column = [(name, score) for key, name, score in row_units if key == column]
        absent = [n for n, s in in_column if s is None]
        text, value = _cell(
            [s for _, s in in_column if s is not None],
            absent,
            suite.decimals,
            allow_partial,
            compact,
        )
        columns.append((text, value, absent))
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
    return _Row(entry, label, avg, avg_text, columns, {n: s for _, n, s in row_units}, missing)


def _type_mean(row: _Row, allow_partial: bool) -> float | None:
    """mteb's "Mean (TaskType)": the mean of the per-type means, none if a type is missing (unless partial)."""
    values = [value for _, value, _ in row.columns]
    if any(v is None for v in values) or (
        not allow_partial and any(absent for _, _, absent in row.columns)
    ):
        return None
    return mean(v for v in values if v is not None)


def _fmt_int(value: int | None, scale: float = 1.0, unit: str = "") -> str:
    if value is None:
        return "unknown"
    scaled = value / scale
    return (f"{scaled:,.0f}" if scaled >= 10 or scale == 1.0 else f"{scaled:.2f}") + unit


def _extend(table: Table, built: list[_Row], suite: SuiteSpec, allow_partial: bool) -> None:
    """The HTML page's layout: Borda rank first (and the sort), mean over types, model facts, hover lists."""
    by_types = suite.columns == "types"
    head = ["Rank (Borda)", "Model", "AVG"] + (["Mean (TaskType)"] if by_types else [])
    facts = ["Params (M)", "Emb. dim", "Max tokens", "Revision", "Date"]
    table.headers = [*head, *[suite.label(k) for k in suite.column_keys()], *facts]
    table.text_columns, table.link_column = 2, 1
    ranks = borda_ranks([row.unit_scores for row in built])
    order = sorted(
        range(len(built)),
        key=lambda i: (ranks[i], built[i].avg is None, -(built[i].avg or 0.0), built[i].label),
    )
    for i in order:
        row = built[i]
        info = model_info(row.entry.model, row.entry.folders)
        type_mean = _type_mean(row, allow_partial) if by_types else None
        cells = [str(ranks[i]), row.label, row.avg_text]
        keys: list[float | None] = [float(ranks[i]), None, row.avg]
        titles = ["Borda count over the tasks, as mteb's leaderboard ranks (1 = best)", "", ""]
        if row.missing:
            cells[2] = f"{len(row.missing)} missing" if row.avg is None else row.avg_text
            titles[2] = f"missing {len(row.missing)}: {', '.join(row.missing)}"
        if by_types:
            cells.append(f"{type_mean:.{suite.decimals}f}" if type_mean is not None else "n/a")
            keys.append(type_mean)
            titles.append(
                "mean of the type columns" if type_mean is not None else "a type has missing tasks"
            )
        for text, value, absent in row.columns:
            cells.append(text)
            keys.append(value)
            titles.append(f"missing {len(absent)}: {', '.join(absent)}" if absent else "")
        revisions = row.entry.revisions
        dates = [d for d in (info.run_date, info.release_date) if d]
        cells += [
            _fmt_int(info.n_parameters, 1e6),
            _fmt_int(info.embed_dim),
            _fmt_int(info.max_tokens),
            ", ".join(short_revision(r) for r in revisions),
            dates[0] if dates else "unknown",
        ]
        keys += [
            float(info.n_parameters) if info.n_parameters else None,
            float(info.embed_dim) if info.embed_dim else None,
            float(info.max_tokens) if info.max_tokens else None,
            None,
            None,
        ]
        date_title = "; ".join(
            p
            for p in (
                f"run finished {info.run_date}" if info.run_date else "",
                f"model released {info.release_date}" if info.release_date else "",
            )
            if p
        )
        titles += ["", "", "", ", ".join(revisions), date_title]
        table.rows.append(cells)
        table.sort_keys.append(keys)
        table.titles.append(titles)
        table.links.append(info.reference)


def leaderboard(
    entries: list[ModelEntry], suite: SuiteSpec, allow_partial: bool = False, extended: bool = False
) -> Table:
    """The suite's leaderboard, best AVG first (`extended`: best Borda rank first); models with none of
    the suite's tasks are left out."""
    table = Table(
        title=suite.title, headers=["Model", "AVG", *[suite.label(k) for k in suite.column_keys()]]
    )
    n_units = len(suite.column_keys()) if suite.columns == "subsets" else len(suite.tasks)
    built = [
        row
        for row in (_row(entry, suite, allow_partial, extended) for entry in entries)
        if len(row.missing) < n_units
    ]
    if not built:
        raise NoResultsError(
            f"No results for any task of suite {suite.name}. Run `embedboard eval --suite {suite.name} ...` "
            f"or point --results at a folder holding <org>__<model>/<revision>/<Task>.json files."
        )
    built.sort(key=lambda r: (r.avg is None, bool(r.missing), -(r.avg or 0.0), r.label))
    if extended:
        _extend(table, built, suite, allow_partial)
    else:
        for row in built:
            table.rows.append([row.label, row.avg_text, *[text for text, _, _ in row.columns]])
            table.sort_keys.append([None, row.avg, *[value for _, value, _ in row.columns]])
    for row in built:
        if row.missing:
            names = "hover its cells for the names" if extended else ", ".join(row.missing)
            table.notes.append(f"{row.entry.label}: missing {len(row.missing)}: {names}.")
        for note in (row.entry.revision_note(), row.entry.split_note):
            if note and note not in table.notes:
                table.notes.append(note)
    what = "domains" if suite.columns == "subsets" else "tasks"
    metric = (
        f"the main metric of the benchmark or of profile {suite.profile}"
        if suite.profile
        else "the benchmark's main metric"
    )
    table.notes.insert(
        0, f"Scores: {metric} x100, mean over its eval splits and subsets; AVG = mean over {what}."
    )
    if suite.profile_note:
        table.notes.insert(1, suite.profile_note + ".")
    if extended:
        table.notes.insert(
            1,
            "Rank (Borda): per task, each model earns (models - its rank) points, 0 when it has no score; "
            "most points ranks 1 (mteb's leaderboard rank). Mean (TaskType): mean of the type columns.",
        )
    if allow_partial and any(row.missing for row in built):
        table.notes.insert(
            1,
            f"{PARTIAL_MARK} partial: mean over the {what} present only (--allow-partial); not comparable with full rows.",
        )
    return table


def details(entries: list[ModelEntry], suite: SuiteSpec) -> Table:
    """Per-task (or per-domain) scores, one column per model."""
    scored = [(e, [s for _, _, s in units(e, suite)]) for e in entries]
    scored = [(e, s) for e, s in scored if any(v is not None for v in s)]
    # Same order as the leaderboard: complete rows first, best mean first.
    scored.sort(key=lambda es: (None in es[1], -(mean(v for v in es[1] if v is not None) or 0.0)))
    entries = [e for e, _ in scored]
    first_headers = ["Domain", "Task"] if suite.columns == "subsets" else ["Task", "Type"]
    table = Table(
        title=f"{suite.title}: per-task scores",
        headers=[*first_headers, *[e.label for e in entries]],
        text_columns=2,
    )
    per_entry = [{name: (key, score) for key, name, score in units(e, suite)} for e in entries]
    order = {key: i for i, key in enumerate(suite.column_keys())}
    first = units(entries[0], suite) if entries else []
    rows = sorted(first, key=lambda u: (order[u[0]], u[1])) if suite.columns == "types" else first
    for key, name, _ in rows:
        scores = [p[name][1] for p in per_entry]
        kind = suite.tasks[0].name if suite.columns == "subsets" else key
        table.rows.append(
            [
                name,
                kind,
                *[f"{s:.{suite.decimals}f}" if s is not None else "missing" for s in scores],
            ]
        )
        table.sort_keys.append([None, None, *scores])
    if suite.profile_note:
        table.notes.append(suite.profile_note + ".")
    for entry in entries:
        for task in suite.tasks:
            gaps = missing_parts(entry.tasks.get(task.name), task)
            if gaps and task.name in entry.tasks:
                table.notes.append(
                    f"{entry.label} / {task.name}: incomplete ({'; '.join(gaps[:6])})."
                )
    return table

"""MRL degradation: a model's suite scores at each truncated dimension, against the full one.

The native run lives in the revision folder, each truncated dimension in
`<revision>/experiments/embed_dim_<d>/` (see runners/store/results_store.py). A task enters the curve
only if every dimension has it, so each point averages the same tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from embedboard.errors import EmbedboardError
from embedboard.reports.loading import ResultFolder, merge_revisions
from embedboard.reports.scoring import mean
from embedboard.reports.suites import SuiteSpec
from embedboard.reports.tables import ModelEntry, Table, units

AVG = "AVG"


@dataclass
class MrlCurve:
    """Scores per dimension: `series[name][dim]`, name = "AVG" or a task type (or a BRIGHT domain)."""

    model: str
    suite: SuiteSpec
    full_dim: int
    dims: list[int]  # descending, full dim first
    series: dict[str, dict[int, float]]
    used: list[str]
    excluded: list[str] = field(default_factory=list)
    suite_size: int = 0  # tasks (or BRIGHT domains) the suite has; `used` may be fewer
    counts: dict[str, int] = field(default_factory=dict)  # tasks (or domains) behind each series

    @property
    def coverage(self) -> str:
        return (
            f"{len(self.used)} of {self.suite_size} tasks"
            if self.suite_size != len(self.used)
            else f"all {len(self.used)} tasks"
        )


def model_dims(folders: list[ResultFolder], model: str) -> dict[int | None, list[ResultFolder]]:
    """The model's folders per dimension (None = the native run), revisions merged."""
    wanted = model.replace("__", "/", 1)
    mine = [f for f in folders if wanted in (f.model, f.short_name)]
    if not mine:
        known = sorted({f.model for f in folders})
        raise EmbedboardError(
            f"No results for model {model}. Models found: {', '.join(known) or 'none'}."
        )
    by_dim: dict[int | None, list[ResultFolder]] = {}
    for folder in mine:
        if folder.experiment is None or folder.dim is not None:
            by_dim.setdefault(folder.dim, []).append(folder)
    if None not in by_dim:
        raise EmbedboardError(
            f"{model} has no native run (results/<org>__<model>/<revision>/<Task>.json); run `embedboard eval` without --dims first."
        )
    if len(by_dim) == 1:
        raise EmbedboardError(
            f"{model} has no MRL dims (experiments/embed_dim_<d>/); run `embedboard eval --dims 256,128 ...`."
        )
    return by_dim


def native_dim(native: list[ResultFolder], override: int | None = None) -> int:
    """The full dimension: --native-dim, else model_meta.json's embed_dim (written by our runner)."""
    if override:
        return override
    for folder in native:
        meta_path = folder.path / "model_meta.json"
        if meta_path.is_file():
            dim = json.loads(meta_path.read_text(encoding="utf-8")).get("embed_dim")
            if isinstance(dim, int):
                return dim
    raise EmbedboardError(
        f"Cannot tell the native dimension of {native[0].model}: no embed_dim in model_meta.json. Pass --native-dim."
    )


def build_curve(
    by_dim: dict[int | None, list[ResultFolder]], suite: SuiteSpec, full_dim: int
) -> MrlCurve | None:
    """The suite's curve; None when the native run has none of the suite's tasks."""
    model = by_dim[None][0].model
    scored: dict[int, list[tuple[str, str, float | None]]] = {}
    # The native run last, so it wins over an experiments/dim_<full> copy of itself.
    for dim, group in sorted(by_dim.items(), key=lambda item: item[0] is None):
        entry = ModelEntry(label=model, model=model, experiment=None, tasks=merge_revisions(group))
        scored[dim or full_dim] = units(entry, suite)
    dims = sorted(scored, reverse=True)
    names = [name for _, name, _ in scored[full_dim]]
    complete = [n for i, n in enumerate(names) if all(scored[d][i][2] is not None for d in dims)]
    present_native = [n for i, n in enumerate(names) if scored[full_dim][i][2] is not None]
    if not complete:
        return None
    series: dict[str, dict[int, float]] = {AVG: {}}
    counts = {AVG: len(complete)}
    for key, name, _ in scored[full_dim]:
        if name in complete:
            counts[key] = counts.get(key, 0) + 1
    for dim in dims:
        rows = [(key, score) for key, name, score in scored[dim] if name in complete]
        series[AVG][dim] = mean(s for _, s in rows)  # type: ignore[assignment]
        present = {k for k, _ in rows}
        for key in [k for k in suite.column_keys() if k in present]:
            series.setdefault(key, {})[dim] = mean(s for k, s in rows if k == key)  # type: ignore[assignment]
    excluded = [n for n in present_native if n not in complete]
    return MrlCurve(
        model=model,
        suite=suite,
        full_dim=full_dim,
        dims=dims,
        series=series,
        used=complete,
        excluded=excluded,
        suite_size=len(names),
        counts=counts,
    )


def drop_table(curve: MrlCurve) -> Table:
    """Score at each dim and its change against the full dim, per type and AVG."""
    names = list(curve.series)
    labels = [n if n == AVG else curve.suite.label(n) for n in names]
    decimals = curve.suite.decimals
    table = Table(
        title=f"{curve.model} on {curve.suite.title} ({curve.coverage}): MRL truncation vs full dim {curve.full_dim}",
        headers=["Dim", labels[0], f"{AVG} % of full", *labels[1:]],
    )
    full = {n: curve.series[n][curve.full_dim] for n in names}
    for dim in curve.dims:
        cells, keys = [str(dim) + (" (full)" if dim == curve.full_dim else "")], [float(dim)]
        ratio = 100.0 * curve.series[AVG][dim] / full[AVG] if full[AVG] else 0.0
        for name in names:
            value = curve.series[name][dim]
            delta = value - full[name]
            cells.append(
                f"{value:.{decimals}f}"
                + ("" if dim == curve.full_dim else f" ({delta:+.{decimals}f})")
            )
            keys.append(value)
            if name == AVG:
                cells.append(f"{ratio:.1f}%")
                keys.append(ratio)
        table.rows.append(cells)
        table.sort_keys.append(keys)
    table.notes.append(
        f"Cells: score at that dim (change vs dim {curve.full_dim}); {len(curve.used)} task(s): {', '.join(curve.used)}."
    )
    if curve.suite.profile_note:
        table.notes.append(curve.suite.profile_note + ".")
    if curve.excluded:
        table.notes.append(f"Left out (missing at some dim): {', '.join(curve.excluded)}.")
    return table

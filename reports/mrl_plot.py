"""Draw an MRL curve as PNG and SVG: absolute scores from a fixed base, and each line as % of its full-dim score.

Auto-scaled y-axes make a 2-point drop look like a cliff, so the left panel always starts at 0
and the right panel ("% of full") has a fixed floor. Files are byte-reproducible: no dates, no
version strings, and SVG ids come from a fixed hash salt, so regenerating committed plots
changes nothing when the numbers did not change.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a display
import matplotlib.pyplot as plt  # noqa: E402

from embedboard.atomic import atomic_write_bytes  # noqa: E402
from embedboard.reports.mrl import AVG, MrlCurve  # noqa: E402

# Metadata matplotlib would otherwise stamp into each file (creation date, its version).
FILE_METADATA = {
    "svg": {"Date": None, "Creator": "embedboard"},
    "png": {"Software": "embedboard"},
}
SVG_HASH_SALT = (
    "embedboard"  # matplotlib salts SVG clip-path/glyph ids with a random uuid otherwise
)
PCT_FLOOR = 80.0  # "% of full" panel's lowest tick, unless a line drops below it


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def plot_stem(out_dir: str | Path, curve: MrlCurve) -> Path:
    """`<out_dir>/mrl_<model>_<suite>`: the PNG, SVG and Markdown share it."""
    return Path(out_dir) / f"mrl_{_safe(curve.model.replace('/', '__'))}_{_safe(curve.suite.name)}"


def _legend_label(curve: MrlCurve, name: str) -> str:
    """ "Retrieval (3 tasks)"; AVG says how many tasks it averages and which type it equals, if only one."""
    count = curve.counts.get(name, 0)
    unit = "domain" if curve.suite.columns == "subsets" else "task"
    plural = "" if count == 1 else "s"
    if name == AVG:
        types = [n for n in curve.series if n != AVG]
        same = f", = {curve.suite.label(types[0])}" if len(types) == 1 else ""
        return f"{AVG} ({count} {unit}{plural}{same})"
    return f"{curve.suite.label(name)} ({count} {unit}{plural})"


def draw(curve: MrlCurve) -> plt.Figure:
    """Dims on a log2 axis (they halve). Types are solid lines with markers; AVG is a dashed black line on
    top of them, so a type that equals AVG (a one-type suite) stays visible under it."""
    fig, (ax_abs, ax_pct) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=120)
    dims = sorted(curve.dims)
    markers = "osD^v<>pPX*h"
    types = [n for n in curve.series if n != AVG]
    lowest_pct = 100.0
    for i, name in enumerate([*types, AVG]):
        points = curve.series[name]
        values = [points[d] for d in dims]
        full = points[curve.full_dim]
        pct = [100.0 * v / full if full else 0.0 for v in values]
        lowest_pct = min(lowest_pct, *pct)
        if name == AVG:
            style = {
                "color": "black",
                "linewidth": 2.0,
                "linestyle": "--",
                "marker": "o",
                "markersize": 4,
                "zorder": 4,
            }
        else:
            style = {
                "linewidth": 2.4,
                "marker": markers[i % len(markers)],
                "markersize": 6,
                "alpha": 0.85,
                "zorder": 3,
            }
        label = _legend_label(curve, name)
        ax_abs.plot(dims, values, label=label, **style)
        ax_pct.plot(dims, pct, label=label, **style)
    for ax in (ax_abs, ax_pct):
        ax.set_xscale("log", base=2)
        ax.set_xticks(dims)
        ax.set_xticklabels([str(d) for d in dims])
        ax.minorticks_off()
        ax.set_xlabel("embedding dimension (truncated, renormalised)")
        ax.grid(True, alpha=0.3)
    ax_abs.set_title("score", fontsize=9)
    ax_pct.set_title("% of the full-dim score (same lines)", fontsize=9)
    ax_abs.set_ylim(0, 100)
    ax_abs.set_ylabel("score (main metric x100), axis from 0")
    ax_pct.set_ylim(min(PCT_FLOOR, 10 * math.floor(lowest_pct / 10)), 101)
    ax_pct.axhline(100, color="grey", linewidth=0.8)
    ax_pct.set_ylabel(f"% of the full-dim ({curve.full_dim}) score")
    fig.suptitle(
        f"{curve.model} on {curve.suite.title}: score vs dimension ({curve.coverage}; full dim {curve.full_dim})",
        fontsize=10,
    )
    ax_pct.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def save_plots(curve: MrlCurve, out_dir: str | Path) -> list[Path]:
    """Write `<stem>.png` and `<stem>.svg` atomically and reproducibly; returns their paths."""
    stem = plot_stem(out_dir, curve)
    written = []
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):
        fig = draw(curve)
        try:
            for fmt in ("png", "svg"):
                buffer = io.BytesIO()
                fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata=FILE_METADATA[fmt])
                path = stem.with_suffix(f".{fmt}")
                atomic_write_bytes(path, buffer.getvalue())
                written.append(path)
        finally:
            plt.close(fig)
    return written

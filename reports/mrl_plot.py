"""Draw an MRL curve (score vs dimension, one line per task type plus AVG) as PNG and SVG."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a display
import matplotlib.pyplot as plt  # noqa: E402

from embedboard.atomic import atomic_write_bytes  # noqa: E402
from embedboard.reports.mrl import AVG, MrlCurve  # noqa: E402


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def plot_stem(out_dir: str | Path, curve: MrlCurve) -> Path:
    """`<out_dir>/mrl_<model>_<suite>`: the PNG, SVG and Markdown share it."""
    return Path(out_dir) / f"mrl_{_safe(curve.model.replace('/', '__'))}_{_safe(curve.suite.name)}"


def draw(curve: MrlCurve) -> plt.Figure:
    """Dims on a log2 axis (they halve), AVG thick and black, types thin with markers."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    dims = sorted(curve.dims)
    for name, points in curve.series.items():
        values = [points[d] for d in dims]
        if name == AVG:
            ax.plot(dims, values, color="black", linewidth=2.6, marker="o", label=AVG, zorder=3)
        else:
            ax.plot(dims, values, linewidth=1.4, marker="o", markersize=4, label=curve.suite.label(name))
    ax.set_xscale("log", base=2)
    ax.set_xticks(dims)
    ax.set_xticklabels([str(d) for d in dims])
    ax.minorticks_off()
    ax.set_xlabel("embedding dimension (truncated, renormalised)")
    ax.set_ylabel("score (main metric x100)")
    ax.set_title(f"{curve.model} on {curve.suite.title}: score vs dimension\n({curve.coverage}; full dim {curve.full_dim})", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def save_plots(curve: MrlCurve, out_dir: str | Path) -> list[Path]:
    """Write `<stem>.png` and `<stem>.svg` atomically; returns their paths."""
    stem = plot_stem(out_dir, curve)
    fig = draw(curve)
    written = []
    try:
        for fmt in ("png", "svg"):
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, bbox_inches="tight")
            path = stem.with_suffix(f".{fmt}")
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
    finally:
        plt.close(fig)
    return written

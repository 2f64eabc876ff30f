"""The regression gate's Markdown report: verdict, per-task, per-type and AVG deltas."""

from __future__ import annotations

from embedboard.reports.regress import Comparison, TaskComparison
from embedboard.reports.scoring import mean

DROP_MARK = "▼"


def _who(comparison: Comparison, side: str) -> str:
    folder = getattr(comparison, side)
    extra = f" ({folder.experiment})" if folder.experiment else ""
    return f"`{folder.model}` @ `{folder.revision}`{extra}: `{folder.path}`"


def _verdict(row: TaskComparison) -> str:
    if row.regressed:
        return f"**REGRESSION**{' ' + DROP_MARK if row.significant_drop else ''}"
    if row.significant_drop:
        return f"{DROP_MARK} significant drop (within threshold)"
    if row.test is not None:
        return "n.s."
    return "no items"


def _test_cells(row: TaskComparison) -> tuple[str, str]:
    if row.test is None:
        return "–", "–"
    return f"[{row.test.ci_low:+.2f}, {row.test.ci_high:+.2f}]", f"{row.test.p_drop:.3f}"


def to_markdown(comparison: Comparison) -> str:
    th = comparison.thresholds
    status = "REGRESSION" if comparison.regressed else "OK"
    suite = (
        f"suite `{comparison.suite.name}`" if comparison.suite else "tasks present on both sides"
    )
    lines = [
        f"## embedboard regress: {status}",
        "",
        f"- Baseline: {_who(comparison, 'baseline')}",
        f"- Candidate: {_who(comparison, 'candidate')}",
        f"- Compared: {suite}, {len(comparison.tasks)} tasks. Scores: main metric x100; Δ = candidate − baseline.",
        f"- Gate: AVG drop ≤ {th.max_avg_drop}, task drop ≤ {th.max_task_drop} (a task drop counts when it is "
        f"also significant: one-sided paired bootstrap, {th.n_resamples} resamples, seed {th.seed}, p < {th.alpha}).",
    ]
    if comparison.reasons:
        lines += ["", "**Regressions:** " + "; ".join(comparison.reasons) + "."]
    lines += [
        "",
        "| Task | Type | Baseline | Candidate | Δ | 95% CI of Δ | p(drop) | Verdict |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in sorted(comparison.tasks, key=lambda r: (r.type, r.name)):
        ci, p = _test_cells(row)
        lines.append(
            f"| {row.name} | {row.type} | {row.baseline:.2f} | {row.candidate:.2f} | {row.delta:+.2f} | {ci} | {p} | {_verdict(row)} |"
        )
    lines += ["", "| Type | Tasks | Baseline | Candidate | Δ |", "|---|---:|---:|---:|---:|"]
    for task_type in sorted({r.type for r in comparison.tasks}):
        rows = [r for r in comparison.tasks if r.type == task_type]
        a, b = mean(r.baseline for r in rows) or 0.0, mean(r.candidate for r in rows) or 0.0
        lines.append(f"| {task_type} | {len(rows)} | {a:.2f} | {b:.2f} | {b - a:+.2f} |")
    a, b = comparison.avg("baseline"), comparison.avg("candidate")
    lines.append(
        f"| **AVG** | {len(comparison.tasks)} | **{a:.2f}** | **{b:.2f}** | **{b - a:+.2f}** |"
    )
    untested = [r for r in comparison.tasks if r.test is None]
    if untested:
        lines += [
            "",
            f"No significance test for {len(untested)} of {len(comparison.tasks)} task(s); the threshold alone decides for them:",
        ]
        by_reason: dict[str, list[str]] = {}
        for row in untested:
            by_reason.setdefault(row.note, []).append(row.name)
        lines += [f"- {reason}: {', '.join(sorted(names))}" for reason, names in by_reason.items()]
    return "\n".join(lines) + "\n"

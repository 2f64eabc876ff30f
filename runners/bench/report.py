"""Turns a bench record into ratios, target verdicts and a Markdown summary (no measuring here)."""

from __future__ import annotations

from typing import Any

# The issue's targets, as (numerator, denominator, ceiling).
TARGETS = {
    "cold_vs_plain": ("cold", "plain", 0.8),
    "warm_vs_cold": ("warm", "cold", 0.05),
    "mrl4_vs_cold": ("mrl", "cold", 1.1),
}
# Scores are compared on mteb's published 0-100 scale: 72.37 and 72.40 agree, 72.45 does not.
SCORE_TOLERANCE = 0.05
API_TOLERANCE = 0.2


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 4) if top is not None and bottom else None


def _per_s(amount: float | None, seconds: float | None) -> float | None:
    return round(amount / seconds, 1) if amount is not None and seconds else None


def summarize(record: dict[str, Any]) -> dict[str, Any]:
    runs = record["runs"]
    rows, totals = [], {v: {"seconds": 0.0, "cpu_seconds": 0.0} for v in runs}
    for task in record["tasks"]:
        got = {v: runs[v]["tasks"].get(task) for v in runs}
        counted = next((g for v in ("cold", "mrl", "warm") if (g := got.get(v))), None) or {}
        texts, tokens = counted.get("texts"), counted.get("tokens")
        row: dict[str, Any] = {"task": task, "texts": texts, "tokens": tokens}
        for variant, result in got.items():
            if result is None:
                continue
            totals[variant]["seconds"] += result["seconds"]
            totals[variant]["cpu_seconds"] += result["cpu_seconds"]
            row[f"{variant}_s"] = round(result["seconds"], 2)
            row[f"{variant}_texts_per_s"] = _per_s(texts, result["seconds"])
            row[f"{variant}_tokens_per_s"] = _per_s(tokens, result["seconds"])
        for name, (top, bottom, _) in TARGETS.items():
            if got.get(top) and got.get(bottom):
                row[name] = _ratio(got[top]["seconds"], got[bottom]["seconds"])
        plain, cold = got.get("plain") or {}, got.get("cold") or {}
        if plain.get("score") is not None and cold.get("score") is not None:
            row["plain_score"] = round(plain["score"] * 100, 3)
            row["cold_score"] = round(cold["score"] * 100, 3)
            row["score_diff"] = round(row["cold_score"] - row["plain_score"], 3)
            row["scores_agree"] = abs(row["score_diff"]) <= SCORE_TOLERANCE
        rows.append(row)
    verdicts = {}
    for name, (top, bottom, ceiling) in TARGETS.items():
        if top in totals and bottom in totals:
            wall = _ratio(totals[top]["seconds"], totals[bottom]["seconds"])
            cpu = _ratio(totals[top]["cpu_seconds"], totals[bottom]["cpu_seconds"])
            verdicts[name] = {
                "wall_ratio": wall,
                "cpu_ratio": cpu,
                "target": ceiling,
                "met": wall is not None and wall <= ceiling,
            }
    disagree = [r["task"] for r in rows if r.get("scores_agree") is False]
    api = [r for r in (record.get("api") or {}).get("rows", [])]
    return {
        "rows": rows,
        "totals": {v: {k: round(x, 2) for k, x in t.items()} for v, t in totals.items()},
        "targets": verdicts,
        "scores_disagree": disagree,
        "peak_rss_mb": {v: runs[v]["peak_rss_mb"] for v in runs},
        "api_within_tolerance": all(abs(r["ratio"] - 1) <= API_TOLERANCE for r in api)
        if api
        else None,
    }


def _fmt(value: Any, spec: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    return format(value, spec) if spec else str(value)


def render_markdown(record: dict[str, Any]) -> str:
    summary, machine = record["summary"], record["machine"]
    variants = list(record["runs"])
    lines = [
        f"# embedboard bench {record['started']}",
        "",
        f"Model {record['model']} on {record['device']}; {machine['cpu_count']} CPUs, torch {machine['torch']}, "
        f"mteb {machine['mteb']}, sentence-transformers {machine['sentence_transformers']}.",
        f"Load at start: `{machine['uptime_start']}`; at end: `{machine.get('uptime_end', '?')}`.",
        "Wall times per task exclude model loading; ratios compare variants run turn about, task by task.",
        "Linear layers: "
        + "; ".join(f"{v} {run.get('cpu_linear', '?')}" for v, run in record["runs"].items())
        + ".",
        "",
        "| task | texts | tokens | "
        + " | ".join(f"{v} s" for v in variants)
        + " | cold/plain | warm/cold | mrl4/cold | plain texts/s | cold texts/s | cold tokens/s | plain score | cold score | agree |",
        "|" + "---|" * (3 + len(variants) + 9),
    ]
    for row in summary["rows"]:
        cells = [row["task"], _fmt(row["texts"]), _fmt(row["tokens"])]
        cells += [_fmt(row.get(f"{v}_s"), ".1f") for v in variants]
        cells += [
            _fmt(row.get(k), ".3f") for k in ("cold_vs_plain", "warm_vs_cold", "mrl4_vs_cold")
        ]
        cells += [
            _fmt(row.get(k), ".0f")
            for k in ("plain_texts_per_s", "cold_texts_per_s", "cold_tokens_per_s")
        ]
        cells += [
            _fmt(row.get("plain_score"), ".2f"),
            _fmt(row.get("cold_score"), ".2f"),
            _fmt(row.get("scores_agree")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| target | wall ratio | CPU-time ratio | ceiling | met |",
        "|---|---|---|---|---|",
    ]
    for name, verdict in summary["targets"].items():
        lines.append(
            f"| {name} | {_fmt(verdict['wall_ratio'], '.3f')} | {_fmt(verdict['cpu_ratio'], '.3f')} "
            f"| {verdict['target']} | {_fmt(verdict['met'])} |"
        )
    lines += [
        "",
        "| variant | total wall s | total CPU s | peak RSS MB | model load s (per child) | mean load avg |",
        "|---|---|---|---|---|---|",
    ]
    for variant in variants:
        run, total = record["runs"][variant], summary["totals"][variant]
        loads = run["load_average"]
        lines.append(
            f"| {variant} | {total['seconds']:.1f} | {total['cpu_seconds']:.1f} | {run['peak_rss_mb']:.0f} "
            f"| {min(run['load_seconds']) if run['load_seconds'] else 0:.1f}–{max(run['load_seconds'] or [0]):.1f} "
            f"| {sum(loads) / max(len(loads), 1):.1f} |"
        )
    if summary["scores_disagree"]:
        lines += [
            "",
            f"**Scores differ by more than {SCORE_TOLERANCE} on: {', '.join(summary['scores_disagree'])}**",
        ]
    if topk := record.get("topk"):
        lines += [
            "",
            f"Top-{topk['k']} over a {topk['rows']:,} x {topk['dim']} float32 corpus on disk "
            f"({topk['file_mb']:.0f} MB), {topk['queries']} queries: written in {topk['write_seconds']:.1f}s, "
            f"searched in {topk['search_seconds']:.1f}s, peak RSS {topk['peak_rss_mb']:.0f} MB; "
            f"spot check against full score rows exact: {_fmt(topk['spot_check_exact'])}.",
        ]
    if api := record.get("api"):
        lines += [
            "",
            "| API concurrency | requests | latency s | req/s | ideal (concurrency/latency) | ratio |",
            "|---|---|---|---|---|---|",
        ]
        for r in api["rows"]:
            lines.append(
                f"| {r['concurrency']} | {r['requests']} | {r['latency_s']} | {r['requests_per_s']:.1f} "
                f"| {r['ideal_per_s']:.1f} | {r['ratio']:.2f} |"
            )
    return "\n".join(lines) + "\n"

"""`make bench`: embedboard against plain mteb + sentence-transformers, in one run, on one machine.

    python -m embedboard.runners.bench --data-dir ../shared/mteb-mirror [--tasks STS12,SciFact]

Variants, all on all-MiniLM-L6-v2 on CPU and the same local task data:
  (a) plain: `mteb.evaluate` with `SentenceTransformerEncoderWrapper` (mteb's documented way);
  (b) cold: embedboard with an empty embedding cache;
  (c) warm: embedboard again on (b)'s cache, into a fresh results folder;
  (d) mrl: embedboard cold with 4 output dims (384, 256, 128, 64) instead of 1.
Each variant runs in a child process per task, and the variants take turns task by task, so
a busy machine slows all of them alike and the ratios stay meaningful (the absolute times
do not: the load average is recorded next to them). Model loading is timed separately.
Then: exact top-k over a synthetic 1M x 384 corpus on disk (peak RSS), and API client
concurrency against the loopback fake server with a fixed per-request latency.

Writes `results/bench/<UTC timestamp>.json` and `.md` and prints the Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embedboard.atomic import atomic_write_json, atomic_write_text
from embedboard.errors import EmbedboardError
from embedboard.runners.bench import scale_cases as bench_scale
from embedboard.runners.bench.report import render_markdown, summarize

VARIANTS = ("plain", "cold", "warm", "mrl")
MRL_DIMS = "384,256,128,64"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "reports" / "bench"


def _child(
    case: str, out: Path, log: Path, *extra: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one case in a fresh interpreter (`env` added to ours); its JSON, or an error quoting its log's tail."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "embedboard.runners.bench.cases",
        case,
        "--out",
        str(out),
        *extra,
    ]
    load_before = os.getloadavg()[0]
    with open(log, "ab") as sink:
        code = subprocess.call(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    if code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise EmbedboardError(f"bench case {case} failed (exit {code}); end of {log}:\n{tail}")
    result = json.loads(out.read_text())
    result["load_average"] = round((load_before + os.getloadavg()[0]) / 2, 2)
    return result


def _machine() -> dict[str, Any]:
    # No torch/mteb import here: a forked child starts as a copy of this process, so a heavy
    # driver would inflate every child's memory figures. The prefetch child reports versions.
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "uptime_start": _uptime(),
    }


def _uptime() -> str:
    try:
        return subprocess.run(
            ["uptime"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run_variants(
    tasks: list[str], data_dir: str, work: Path, variants: tuple[str, ...]
) -> dict[str, Any]:
    """Every variant on every task, interleaved task by task; per-variant model load and peak RSS."""
    runs: dict[str, Any] = {
        v: {"tasks": {}, "peak_rss_mb": 0.0, "load_seconds": [], "load_average": []}
        for v in variants
    }
    common = ["--data-dir", data_dir]
    setups = {
        "plain": ("plain", []),
        "cold": (
            "embedboard",
            ["--cache-dir", str(work / "cache-cold"), "--results", str(work / "results-cold")],
        ),
        "warm": (
            "embedboard",
            ["--cache-dir", str(work / "cache-cold"), "--results", str(work / "results-warm")],
        ),
        "mrl": (
            "embedboard",
            [
                "--cache-dir",
                str(work / "cache-mrl"),
                "--results",
                str(work / "results-mrl"),
                "--dims",
                MRL_DIMS,
            ],
        ),
    }
    log = work / "children.log"
    for number, task in enumerate(tasks, 1):
        for variant in variants:
            case, extra = setups[variant]
            print(f"[{number}/{len(tasks)}] {task}: {variant} ...", flush=True)
            out = _child(
                case, work / f"{variant}-{task}.json", log, "--tasks", task, *common, *extra
            )
            runs[variant]["tasks"].update(out["tasks"])
            runs[variant]["peak_rss_mb"] = max(runs[variant]["peak_rss_mb"], out["peak_rss_mb"])
            runs[variant]["load_seconds"].append(round(out["load_seconds"], 2))
            runs[variant]["load_average"].append(out["load_average"])
            runs[variant]["cpu_linear"] = out.get("cpu_linear", "torch (mteb's default)")
            seconds = out["tasks"][task]["seconds"]
            print(
                f"      {seconds:.1f}s  score={out['tasks'][task]['score']}  rss={out['peak_rss_mb']}MB",
                flush=True,
            )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("EMBEDBOARD_DATA_DIR"),
        help="local mteb mirror (../shared/mteb-mirror)",
    )
    parser.add_argument(
        "--tasks",
        type=lambda s: [t.strip() for t in s.split(",") if t.strip()],
        help="subset of the smoke suite, e.g. STS12,Banking77Classification (default: every smoke task)",
    )
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"subset of {','.join(VARIANTS)}"
    )
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help="folder for the JSON record and Markdown summary"
    )
    parser.add_argument(
        "--work-dir", help="scratch folder for caches and results (default: a temporary one)"
    )
    parser.add_argument(
        "--topk-rows", type=int, default=1_000_000, help="synthetic corpus rows (0 skips the case)"
    )
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.2,
        help="injected per-request latency (0 skips the case)",
    )
    parser.add_argument(
        "--scale-tasks",
        default="STS16",
        help="task(s) for the threads and scale-out cases (issue 14); empty skips both",
    )
    parser.add_argument(
        "--scale-layouts",
        default=",".join(bench_scale.LAYOUTS),
        help=f"subset of {','.join(bench_scale.LAYOUTS)}",
    )
    parser.add_argument(
        "--threads-busy",
        default="0,2",
        help="threads case: run it once per count of spinning processes beside it (default 0,2)",
    )
    args = parser.parse_args(argv)
    if not args.data_dir:
        raise EmbedboardError("Pass --data-dir ../shared/mteb-mirror (or set EMBEDBOARD_DATA_DIR).")
    variants = tuple(v for v in args.variants.split(",") if v)
    if unknown := set(variants) - set(VARIANTS):
        raise EmbedboardError(
            f"Unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}."
        )
    if "warm" in variants and "cold" not in variants:
        raise EmbedboardError(
            "The warm variant re-uses the cold variant's cache: add cold to --variants."
        )

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    record: dict[str, Any] = {
        "started": stamp,
        "model": "all-MiniLM-L6-v2",
        "device": "cpu",
        "variants": list(variants),
        "machine": _machine(),
    }
    with tempfile.TemporaryDirectory(prefix="embedboard-bench-", dir=args.work_dir) as scratch:
        work = Path(scratch)
        prefetched = _child(
            "prefetch",
            work / "prefetch.json",
            work / "children.log",
            "--tasks",
            ",".join(args.tasks or ([] if variants else ["STS16"])),
            "--data-dir",
            args.data_dir,
        )
        tasks = record["tasks"] = prefetched["tasks"] if variants else []
        record["machine"].update(prefetched["versions"])
        print(
            f"bench: {len(tasks)} task(s), variants {', '.join(variants)}; {record['machine']['uptime_start']}"
        )
        started = time.perf_counter()
        record["runs"] = run_variants(tasks, args.data_dir, work, variants)
        scale_tasks = [t for t in args.scale_tasks.split(",") if t]
        if scale_tasks:
            record["threads"] = [
                bench_scale.run_threads(_child, work, scale_tasks, args.data_dir, 400, int(busy))
                for busy in args.threads_busy.split(",")
                if busy
            ]
            layouts = tuple(x for x in args.scale_layouts.split(",") if x)
            record["scaleout"] = bench_scale.run_scaleout(
                _child, work, scale_tasks, args.data_dir, layouts
            )
        if args.topk_rows:
            print(f"top-k over {args.topk_rows:,} x 384 on disk ...", flush=True)
            record["topk"] = _child(
                "topk", work / "topk.json", work / "children.log", "--rows", str(args.topk_rows)
            )
        if args.api_latency:
            print("API client concurrency ...", flush=True)
            record["api"] = _child(
                "api", work / "api.json", work / "children.log", "--latency", str(args.api_latency)
            )
        record["bench_seconds"] = round(time.perf_counter() - started, 1)
    record["machine"]["uptime_end"] = _uptime()
    record["summary"] = summarize(record)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    head = (
        render_markdown(record)
        if variants
        else f"# embedboard bench {stamp}\n\nLoad at start: `{record['machine']['uptime_start']}`.\n"
    )
    markdown = head + "\n".join(bench_scale.render(record)) + "\n"
    atomic_write_json(out / f"{stamp}.json", record)
    atomic_write_text(out / f"{stamp}.md", markdown)
    print(markdown)
    print(f"wrote {out / (stamp + '.json')} and .md")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except EmbedboardError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)

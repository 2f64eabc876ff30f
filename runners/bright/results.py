"""BRIGHT results in mteb's TaskResult layout, merged one domain at a time through ResultsStore.

One file per query variant: `BrightRetrieval.json` for the plain `examples` queries (the
number leaderboards compare, and the layout of the official files mteb republishes),
`BrightRetrieval-<variant>.json` for reasoning-augmented queries, so a report reading
`scores["standard"]` never mixes two query sets. Each entry also carries `query_variant`.

    {"task_name": "BrightRetrieval", "dataset_revision": ..., "evaluation_time": ...,
     "scores": {"standard": [{"hf_subset": "biology", "languages": ["eng-Latn"],
                              "main_score": <ndcg_at_10>, "ndcg_at_1": ..., "mrr": ...,
                              "query_variant": "examples"}, ...],
                "long": [{..., "main_score": <recall_at_1>, "ndcg_at_10": ..., ...}]}}

The long split's main score is recall@1 (the BRIGHT paper; mteb's `BRIGHT(v1.1)` long tasks);
nDCG@10 stays in its entries beside every other metric.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from embedboard.atomic import atomic_write_text
from embedboard.results_layout import trec_run_path
from embedboard.runners.bright.context import LANGUAGES
from embedboard.runners.bright.data import DOMAINS
from embedboard.runners.bright.metrics import main_score, trec_run_lines
from embedboard.runners.store.results_store import ResultsStore

TASK_NAME = "BrightRetrieval"
DEFAULT_VARIANT = "examples"


def result_task_name(query_variant: str) -> str:
    return TASK_NAME if query_variant == DEFAULT_VARIANT else f"{TASK_NAME}-{query_variant}"


def split_name(long_context: bool) -> str:
    return "long" if long_context else "standard"


class _TaskResultPayload:
    """What ResultsStore.write_task_result reads from an mteb TaskResult, for a plain dict."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.task_name = payload["task_name"]
        self._payload = payload

    def model_dump_json(self) -> str:
        return json.dumps(self._payload)


def read_task_result(store: ResultsStore, task_name: str) -> dict[str, Any] | None:
    if not store.has_task(task_name):
        return None
    return json.loads(store.task_path(task_name).read_text(encoding="utf-8"))


def has_domain(task_result: dict[str, Any] | None, split: str, domain: str) -> bool:
    entries = (task_result or {}).get("scores", {}).get(split, [])
    return any(entry.get("hf_subset") == domain for entry in entries)


def score_entry(
    domain: str, metrics: dict[str, float], query_variant: str, split: str
) -> dict[str, Any]:
    return {
        "hf_subset": domain,
        "languages": list(LANGUAGES),
        "main_score": metrics[main_score(split == "long")],
        **metrics,
        "query_variant": query_variant,
    }


def merged_task_result(
    previous: dict[str, Any] | None,
    *,
    task_name: str,
    split: str,
    entry: dict[str, Any],
    seconds: float,
    dataset_revision: str,
) -> dict[str, Any]:
    """A new payload with `entry` replacing any earlier one for its domain; never mutates `previous`."""
    base = json.loads(json.dumps(previous)) if previous else {"task_name": task_name, "scores": {}}
    entries = [e for e in base["scores"].get(split, []) if e.get("hf_subset") != entry["hf_subset"]]
    entries.append(entry)
    order = {domain: i for i, domain in enumerate(DOMAINS)}
    base["scores"][split] = sorted(entries, key=lambda e: order.get(e["hf_subset"], len(order)))
    base["dataset_revision"] = dataset_revision
    base["evaluation_time"] = round(float(base.get("evaluation_time") or 0.0) + seconds, 3)
    base["kg_co2_emissions"] = None
    return base


def write_task_result(store: ResultsStore, payload: dict[str, Any]) -> None:
    store.write_task_result(_TaskResultPayload(payload))


def write_items(
    store: ResultsStore,
    task_name: str,
    split: str,
    domain: str,
    per_query: dict[str, dict[str, float]],
) -> None:
    """Per-query rows of the split's main metric for the bootstrap, keeping every other domain's rows."""
    path = store.items_path(task_name)
    kept: list[dict[str, Any]] = []
    if path.exists():
        rows = (
            json.loads(line)
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        )
        kept = [row for row in rows if (row.get("split"), row.get("subset")) != (split, domain)]
    metric = main_score(split == "long")
    fresh = [
        {
            "split": split,
            "subset": domain,
            "id": qid,
            "metric": metric,
            "score": scores[metric],
        }
        for qid, scores in per_query.items()
    ]
    store.write_items(task_name, kept + fresh)


def write_trec_run(
    store: ResultsStore, task_name: str, split: str, domain: str, run: dict[str, dict[str, float]]
) -> None:
    """The kept top-k of every query, so metrics can be recomputed without the model."""
    path = trec_run_path(store.folder, task_name, split, domain)
    atomic_write_text(path, "".join(line + "\n" for line in trec_run_lines(run, task_name)))


def write_domain_record(
    store: ResultsStore, task_name: str, key: str, record: dict[str, Any]
) -> None:
    """The run record holds one full record per `<split>/<domain>`, merged across runs."""
    previous = store.read_run_record(task_name) or {"task": task_name, "domains": {}}
    previous.setdefault("domains", {})[key] = record
    store.write_run_record(task_name, previous)


def domain_entries(task_result: dict[str, Any], split: str) -> dict[str, dict[str, Any]]:
    """For readers: `{domain: entry}` of one split, e.g. to compare with the official files."""
    return {entry["hf_subset"]: entry for entry in task_result.get("scores", {}).get(split, [])}


def main_scores(
    task_result: dict[str, Any], split: str, domains: Iterable[str] | None = None
) -> dict[str, float]:
    entries = domain_entries(task_result, split)
    wanted = list(domains) if domains is not None else list(entries)
    return {d: entries[d]["main_score"] for d in wanted if d in entries}

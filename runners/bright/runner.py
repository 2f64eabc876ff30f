"""Run BRIGHT for one encoder: per domain, encode, retrieve, score, and write results.

Steps hand plain data to each other (BEIR's shape): `data.load_domain` gives dicts,
`retrieve` gives a run `{qid: {doc_id: score}}`, `metrics.evaluate_run` gives metrics,
`results` writes them. A domain already in the result file is skipped unless
`overwrite`, so an interrupted suite resumes where it stopped; a domain made with other
settings (instructions, query variant, model, data...) stops the run instead (`runners.reuse`).
"""

from __future__ import annotations

import time
from typing import Any

from tqdm.auto import tqdm

from embedboard.models.card import ModelCard
from embedboard.models.protocol import Encoder, TaskContext
from embedboard.runners.bright import results
from embedboard.runners.bright.context import bright_table, task_context
from embedboard.runners.bright.data import (
    BrightDomain,
    canonical_variant,
    check_domains,
    load_domain,
    locate,
)
from embedboard.runners.bright.metrics import evaluate_run, main_score
from embedboard.runners.bright.search import TOP_K, TopK, run_dict
from embedboard.runners.store.results_store import ResultsStore, experiment_kwargs
from embedboard.runners.store.reuse import check_reuse, settings_fingerprint
from embedboard.runners.store.run_record import build_run_record

# Documents per encode call: large enough for the encoder's length-sorted batching to pay,
# small enough that one chunk of vectors and scores stays a few hundred MB at 4096 dims.
DOC_CHUNK_SIZE = 16384


def retrieve(
    encoder: Encoder,
    data: BrightDomain,
    task: TaskContext,
    *,
    top_k: int = TOP_K,
    doc_chunk_size: int = DOC_CHUNK_SIZE,
    show_progress: bool = True,
) -> tuple[dict[str, dict[str, float]], int]:
    """The top-k run of every query, and how many excluded ids were not in the corpus.

    Official run.py would crash on an excluded id missing from the corpus (dict.pop);
    mteb ignores it. We ignore it too, and count it for the run record.
    """
    query_ids = list(data.queries)
    doc_ids = list(data.corpus)
    position = {doc_id: i for i, doc_id in enumerate(doc_ids)}
    excluded = [[position[d] for d in data.excluded[q] if d in position] for q in query_ids]
    unknown_excluded = sum(len(data.excluded[q]) for q in query_ids) - sum(map(len, excluded))

    query_vectors = encoder.encode([data.queries[q] for q in query_ids], task, "query")
    ranking = TopK(query_vectors, excluded, top_k)
    texts = list(data.corpus.values())
    setting = "long" if data.long_context else "standard"
    with tqdm(
        total=len(texts),
        desc=f"BRIGHT {data.domain} ({setting})",
        unit="doc",
        disable=not show_progress,
    ) as bar:
        for start in range(0, len(texts), doc_chunk_size):
            chunk = texts[start : start + doc_chunk_size]
            ranking.add(encoder.encode(chunk, task, "document"))
            bar.update(len(chunk))
    return run_dict(ranking.results(), query_ids, doc_ids), unknown_excluded


def run_bright(
    encoder: Encoder,
    store: ResultsStore,
    *,
    domains: list[str],
    long_context: bool,
    query_variant: str = "examples",
    data_dir: str | None,
    overwrite: bool,
    show_progress: bool = True,
    instructions: str | None = None,
    runtime: dict[str, Any] | None = None,
    cache_dir: str | None = None,
    top_k: int = TOP_K,
    doc_chunk_size: int = DOC_CHUNK_SIZE,
    echo: Any = print,
) -> dict[str, Any]:
    """Evaluate `domains` and return `{"task", "split", "query_variant", "domains": {d: {...}}, "seconds"}`.

    `instructions` names a BRIGHT instruction table over the card's `bright_instructions`
    option (see `context.py`); `cache_dir` is the Hugging Face datasets cache.
    """
    variant = canonical_variant(query_variant)
    domains = check_domains(domains, long_context)
    bright_table(encoder.card, instructions)  # fail on a bad table name before loading data
    task_name = results.result_task_name(variant)
    split = results.split_name(long_context)
    summary: dict[str, Any] = {
        "task": task_name,
        "split": split,
        "query_variant": variant,
        "domains": {},
    }
    started_all = time.perf_counter()
    options = {"instructions": instructions, "runtime": runtime or {}, "cache_dir": cache_dir,
               "top_k": top_k, "doc_chunk_size": doc_chunk_size, "show_progress": show_progress}  # fmt: skip
    source = locate(data_dir)
    settings = {
        domain: settings_fingerprint(
            encoder,
            task_context(encoder.card, domain, long_context, instructions),
            dim=None,
            data=source.identity,
            sides=("query", "document"),
            extra={"query_variant": variant, "top_k": top_k},
        )
        for domain in domains
    }
    # Every domain's fate before any work: other settings stop the run before it encodes.
    skip_lines = {domain: _reuse_line(store, task_name, split, domain, settings[domain])
                  for domain in domains if not overwrite}  # fmt: skip
    for domain in domains:
        if skip_lines.get(domain):
            echo(skip_lines[domain])
            summary["domains"][domain] = {
                "status": "skipped",
                main_score(long_context): None,
                "seconds": 0.0,
            }
            continue
        previous = results.read_task_result(store, task_name)
        summary["domains"][domain] = _run_domain(
            encoder,
            store,
            previous,
            domain,
            long_context,
            variant,
            data_dir,
            echo,
            settings=settings[domain],
            **options,
        )
    summary["seconds"] = round(time.perf_counter() - started_all, 3)
    return summary


def _reuse_line(
    store: ResultsStore, task_name: str, split: str, domain: str, settings: dict[str, Any]
) -> str | None:
    """The skip line for a domain already done with these settings; None when it is not done."""
    if not results.has_domain(results.read_task_result(store, task_name), split, domain):
        return None
    recorded = ((store.read_run_record(task_name) or {}).get("domains") or {}).get(
        f"{split}/{domain}"
    )
    return check_reuse(
        recorded,
        settings,
        label=f"{task_name} {split}/{domain}",
        where=str(store.task_path(task_name)),
    )


def _run_domain(
    encoder: Encoder,
    store: ResultsStore,
    previous: dict[str, Any] | None,
    domain: str,
    long_context: bool,
    variant: str,
    data_dir: str | None,
    echo: Any,
    *,
    settings: dict[str, Any],
    instructions: str | None,
    runtime: dict[str, Any],
    cache_dir: str | None,
    top_k: int,
    doc_chunk_size: int,
    show_progress: bool,
) -> dict[str, Any]:
    """Load, retrieve, score and write one domain; returns its summary line."""
    task_name, split = results.result_task_name(variant), results.split_name(long_context)
    encoder.reset_stats()
    started = time.perf_counter()
    data = load_domain(
        domain,
        long_context=long_context,
        query_variant=variant,
        data_dir=data_dir,
        cache_dir=cache_dir,
    )
    task = task_context(encoder.card, domain, long_context, instructions)
    run, unknown_excluded = retrieve(
        encoder, data, task, top_k=top_k, doc_chunk_size=doc_chunk_size, show_progress=show_progress
    )
    means, per_query = evaluate_run(run, data.qrels)
    metric = main_score(long_context)
    seconds = time.perf_counter() - started
    stats = encoder.stats.as_dict()
    record = build_run_record(
        task_name=task_name,
        card=encoder.card,
        dim=None,
        runtime={**runtime, "top_k": top_k, "doc_chunk_size": doc_chunk_size},
        data_source=data.source.as_dict(),
        main_score=means[metric],
        wall_seconds=seconds,
        encode_stats=stats,
        settings=settings,
    )
    record.update(
        domain=domain,
        split=split,
        query_variant=variant,
        mteb_task=task.name,
        instruction_table=task.instruction_table,
        queries=len(data.queries),
        scored_queries=len(per_query),
        documents=len(data.corpus),
        excluded_ids=sum(map(len, data.excluded.values())),
        excluded_ids_not_in_corpus=unknown_excluded,
    )
    # Side files first, the task file last: the task file is what marks a domain done.
    results.write_trec_run(store, task_name, split, domain, run)
    results.write_items(store, task_name, split, domain, per_query)
    results.write_domain_record(store, task_name, f"{split}/{domain}", record)
    _write_model_meta(store, encoder.card)
    payload = results.merged_task_result(
        previous,
        task_name=task_name,
        split=split,
        entry=results.score_entry(domain, means, variant, split),
        seconds=seconds,
        dataset_revision=data.source.revision or data.source.kind,
    )
    # mteb's run_settings.jsonl row for this (task, split, domain), as ResultCache writes it.
    store.write_run_settings(
        task_name, {split: [{"hf_subset": domain}]}, {"batch_size": encoder.card.batch_size}
    )
    results.write_task_result(store, payload)
    echo(
        f"done  {task_name} {split}/{domain}: {metric}={means[metric] * 100:.2f}  {seconds:.1f}s  "
        f"({len(data.queries)} queries, {len(data.corpus)} docs, {stats.get('truncated', 0)} truncated)"
    )
    return {"status": "done", metric: means[metric], "seconds": round(seconds, 3)}


def _write_model_meta(store: ResultsStore, card: ModelCard) -> None:
    """mteb's model_meta.json beside the results, so mteb's ResultCache can read the folder."""
    if (store.folder / "model_meta.json").exists():
        return
    from embedboard.models.mteb_bridge import mteb_model_meta

    in_experiment = store.folder != store.revision_folder  # an MRL dim: mteb's experiments layout
    store.write_model_meta(
        mteb_model_meta(card, experiment_kwargs(card.dim) if in_experiment else None)
    )

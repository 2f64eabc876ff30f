"""run_bright end to end with a deterministic bag-of-words encoder (fast): exclusions, files, resume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedboard.runners.bright import run_bright
from embedboard.runners.bright.context import task_context
from embedboard.runners.store.results_store import ResultsStore
from tests.support import bright_official as official
from tests.support.bright_mirror import bow_encoder, write_hf_folder


def _store(root: Path, encoder) -> ResultsStore:
    return ResultsStore(root, encoder.card.result_name, encoder.card.revision)


def _write_twin_mirror(root: Path, exclude_twin: bool) -> None:
    """aops with one query whose verbatim twin document would rank first unless excluded."""
    docs = [
        {"id": "aops/other.txt", "content": "a geometry problem about circles and chords"},
        {"id": "aops/gold.txt", "content": "sum of the first n odd numbers equals n squared"},
        {"id": "aops/twin.txt", "content": "find the sum of the first ten odd numbers"},
        {"id": "aops/near.txt", "content": "prime numbers below fifty"},
    ]
    example = {
        "query": "find the sum of the first ten odd numbers", "reasoning": "N/A", "id": "0",
        "excluded_ids": ["aops/twin.txt"] if exclude_twin else ["N/A"],
        "gold_ids": ["aops/gold.txt"], "gold_ids_long": [], "gold_answer": "N/A",
    }  # fmt: skip
    write_hf_folder(
        root / "xlangai" / "BRIGHT", {"documents": {"aops": docs}, "examples": {"aops": [example]}}
    )


def _official(encoder, root: Path, exclude_twin: bool) -> dict[str, float]:
    rows = [
        json.loads(x)
        for x in (root / "xlangai/BRIGHT/documents/aops.jsonl").read_text().splitlines()
    ]
    example = json.loads((root / "xlangai/BRIGHT/examples/aops.jsonl").read_text())
    task = task_context(encoder.card, "aops", False)
    q = encoder.encode([example["query"]], task, "query")
    d = encoder.encode([r["content"] for r in rows], task, "document")
    qrels = {"0": {g: 1 for g in example["gold_ids"]}}
    return official.official_metrics(
        q, d, ["0"], [r["id"] for r in rows], {"0": example["excluded_ids"]}, qrels
    )


@pytest.mark.parametrize("exclude_twin", [True, False])
def test_excluded_document_that_would_rank_first_is_dropped(tmp_path, datasets_cache, exclude_twin):
    encoder = bow_encoder()
    _write_twin_mirror(tmp_path / "data", exclude_twin)
    store = _store(tmp_path / "results", encoder)
    summary = run_bright(
        encoder,
        store,
        domains=["aops"],
        long_context=False,
        data_dir=str(tmp_path / "data"),
        overwrite=False,
        show_progress=False,
        cache_dir=datasets_cache,
        echo=lambda *_: None,
    )
    trec = (
        (store.side_folder / "runs_trec" / "BrightRetrieval_standard_aops.trec")
        .read_text()
        .splitlines()
    )
    ranked = [line.split()[2] for line in trec]
    entry = json.loads(store.task_path("BrightRetrieval").read_text())["scores"]["standard"][0]
    if exclude_twin:
        assert "aops/twin.txt" not in ranked and ranked[0] == "aops/gold.txt"
        assert entry["ndcg_at_10"] == 1.0
    else:
        assert ranked[:2] == ["aops/twin.txt", "aops/gold.txt"]
        assert entry["ndcg_at_10"] == pytest.approx(0.63093)  # 1/log2(3): gold pushed to rank 2
    want = _official(encoder, tmp_path / "data", exclude_twin)
    assert {k: entry[k] for k in want} == want
    assert summary["domains"]["aops"]["ndcg_at_10"] == entry["main_score"]


def test_results_merge_resume_and_overwrite(tmp_path, bright_data_dir, datasets_cache):
    encoder = bow_encoder()
    store = _store(tmp_path, encoder)
    kwargs = dict(
        data_dir=str(bright_data_dir),
        show_progress=False,
        cache_dir=datasets_cache,
        echo=lambda *_: None,
    )
    run_bright(encoder, store, domains=["aops"], long_context=False, overwrite=False, **kwargs)
    run_bright(
        encoder, store, domains=["biology", "aops"], long_context=False, overwrite=False, **kwargs
    )
    run_bright(encoder, store, domains=["pony"], long_context=True, overwrite=False, **kwargs)
    result = json.loads(store.task_path("BrightRetrieval").read_text())
    assert result["task_name"] == "BrightRetrieval"
    assert [e["hf_subset"] for e in result["scores"]["standard"]] == [
        "biology",
        "aops",
    ]  # suite order
    assert [e["hf_subset"] for e in result["scores"]["long"]] == ["pony"]
    for entry in result["scores"]["standard"] + result["scores"]["long"]:
        assert entry["query_variant"] == "examples"
        assert {"ndcg_at_10", "recall_at_1", "map_at_100", "precision_at_25", "mrr"} <= set(entry)
    # Standard: nDCG@10 (official run.py); long: recall@1, as the paper and mteb's BRIGHT(v1.1) long tasks.
    assert all(e["main_score"] == e["ndcg_at_10"] for e in result["scores"]["standard"])
    assert all(e["main_score"] == e["recall_at_1"] for e in result["scores"]["long"])

    items = [
        json.loads(x)
        for x in (store.side_folder / "items/BrightRetrieval.jsonl").read_text().splitlines()
    ]
    assert {(r["split"], r["subset"]) for r in items} == {
        ("standard", "aops"),
        ("standard", "biology"),
        ("long", "pony"),
    }
    assert {r["metric"] for r in items if r["split"] == "long"} == {"recall_at_1"}
    biology = [r["score"] for r in items if r["subset"] == "biology"]
    assert np.mean(biology) == pytest.approx(
        result["scores"]["standard"][0]["ndcg_at_10"], abs=1e-5
    )
    record = store.read_run_record("BrightRetrieval")
    assert set(record["domains"]) == {"standard/aops", "standard/biology", "long/pony"}
    settings = [
        json.loads(x) for x in (store.folder / "run_settings.jsonl").read_text().splitlines()
    ]
    assert [(r["task"], r["splits"], r["subsets"]) for r in settings] == [
        ("BrightRetrieval", ["standard"], ["aops", "biology"]),
        ("BrightRetrieval", ["long"], ["pony"]),
    ]  # mteb's merged rows: one per split, its domains as subsets
    assert (
        record["domains"]["standard/aops"]["excluded_ids_not_in_corpus"] == 3
    )  # one per even query

    again = run_bright(
        encoder, store, domains=["aops"], long_context=False, overwrite=False, **kwargs
    )
    assert again["domains"]["aops"]["status"] == "skipped"
    redone = run_bright(
        encoder, store, domains=["aops"], long_context=False, overwrite=True, **kwargs
    )
    assert redone["domains"]["aops"]["ndcg_at_10"] == result["scores"]["standard"][1]["ndcg_at_10"]
    assert (
        len(json.loads(store.task_path("BrightRetrieval").read_text())["scores"]["standard"]) == 2
    )


def test_query_variants_share_document_vectors_and_get_their_own_file(
    tmp_path, bright_data_dir, datasets_cache
):
    encoder = bow_encoder(cache_dir=tmp_path / "cache")
    store = _store(tmp_path / "results", encoder)
    kwargs = dict(
        data_dir=str(bright_data_dir),
        show_progress=False,
        cache_dir=datasets_cache,
        echo=lambda *_: None,
    )
    run_bright(encoder, store, domains=["biology"], long_context=False, overwrite=False, **kwargs)
    run_bright(
        encoder,
        store,
        domains=["biology"],
        long_context=False,
        query_variant="gpt4",
        overwrite=False,
        **kwargs,
    )
    variant = json.loads(store.task_path("BrightRetrieval-gpt4_reason").read_text())
    assert variant["scores"]["standard"][0]["query_variant"] == "gpt4_reason"
    encode = store.read_run_record("BrightRetrieval-gpt4_reason")["domains"]["standard/biology"][
        "encode"
    ]
    # Only the 6 new queries were encoded; the 18 distinct document texts (20 docs, two
    # duplicates) all came from the cache written by the first run.
    assert encode["encoded"] == 6 and encode["cache_hits"] == 18


def test_layout_matches_the_official_result_files_mteb_republishes(
    tmp_path, bright_data_dir, datasets_cache
):
    from embedboard.runners.bright.results import domain_entries, main_scores
    from tests.support.paths import REFERENCE

    reference = json.loads(
        (
            REFERENCE
            / "results/Alibaba-NLP__gte-Qwen2-7B-instruct/no_revision_available/BrightRetrieval.json"
        ).read_text()
    )
    encoder = bow_encoder()
    store = _store(tmp_path, encoder)
    run_bright(encoder, store, domains=["pony"], long_context=True, data_dir=str(bright_data_dir), overwrite=False,
               show_progress=False, cache_dir=datasets_cache, echo=lambda *_: None)  # fmt: skip
    ours = json.loads(store.task_path("BrightRetrieval").read_text())
    assert ours["task_name"] == reference["task_name"] == "BrightRetrieval"
    assert set(domain_entries(ours, "long")["pony"]) == set(
        domain_entries(reference, "long")["pony"]
    ) | {"query_variant"}
    seed = json.loads(
        (REFERENCE / "results/ByteDance-Seed__Seed1.5-Embedding/4/BrightRetrieval.json").read_text()
    )
    assert (
        main_scores(seed, "standard")["biology"] == 0.34806
    )  # the same reader reads the official files

"""Cross-check with the real tiny model: our numbers = mteb's BRIGHT(v1.1) = official run.py's path.

Same local mirror, same model (all-MiniLM-L6-v2, offline package), same vectors. The
mirror includes excluded ids (aops), duplicate documents (exact score ties) and the long
setting (pony, documents past the 256-token limit).
"""

from __future__ import annotations

import copy
import json

import pytest

from embedboard.runners.bright.context import task_context
from embedboard.runners.bright.data import load_domain
from embedboard.runners.store.results_store import ResultsStore
from tests.support import bright_official as official

CASES = [
    ("BrightBiologyRetrieval", "biology", False),
    ("BrightAopsRetrieval", "aops", False),
    ("BrightPonyLongRetrieval", "pony", True),
]
# Cut-offs both we (1,5,10,25,50,100) and mteb (1,3,5,10,20,100,1000) report.
SHARED_METRICS = [
    f"{m}_at_{k}" for m in ("ndcg", "map", "recall", "precision") for k in (1, 5, 10, 100)
]


@pytest.fixture(scope="module")
def minilm():
    from embedboard.models.registry import get_card, load_adapter

    return load_adapter(
        get_card("all-MiniLM-L6-v2"), device="cpu", cache_dir=None, show_progress=False
    )


@pytest.mark.slow
def test_bright_matches_mteb_v1_1_and_official(
    minilm, tmp_path, bright_data_dir, datasets_cache, monkeypatch
):
    import datasets
    import mteb

    from embedboard.models.mteb_bridge import MtebEncoder
    from embedboard.runners.bright import run_bright

    monkeypatch.setattr(
        datasets.config, "HF_DATASETS_CACHE", datasets_cache
    )  # mteb loads with the default cache
    store = ResultsStore(tmp_path, minilm.card.result_name, minilm.card.revision)
    for _, domain, long_context in CASES:
        run_bright(
            minilm,
            store,
            domains=[domain],
            long_context=long_context,
            data_dir=str(bright_data_dir),
            overwrite=False,
            show_progress=False,
            cache_dir=datasets_cache,
            echo=lambda *_: None,
        )
    ours = json.loads(store.task_path("BrightRetrieval").read_text())["scores"]
    folder = bright_data_dir / "xlangai" / "BRIGHT"

    for mteb_name, domain, long_context in CASES:
        split = "long" if long_context else "standard"
        entry = next(e for e in ours[split] if e["hf_subset"] == domain)

        task = copy.deepcopy(mteb.get_task(mteb_name))
        task.metadata.dataset["path"] = str(folder)
        result = mteb.evaluate(
            MtebEncoder(minilm),
            task,
            cache=None,
            overwrite_strategy="always",
            show_progress_bar=False,
        )
        theirs = result.task_results[0].scores[split][0]
        for name in SHARED_METRICS:
            assert entry[name] == pytest.approx(theirs[name], abs=1e-4), (mteb_name, name)

        # Official retrievers.get_scores + calculate_retrieval_metrics on the very same vectors.
        data = load_domain(
            domain,
            long_context=long_context,
            data_dir=str(bright_data_dir),
            cache_dir=datasets_cache,
        )
        context = task_context(minilm.card, domain, long_context)
        query_ids, doc_ids = list(data.queries), list(data.corpus)
        q = minilm.encode([data.queries[i] for i in query_ids], context, "query")
        d = minilm.encode([data.corpus[i] for i in doc_ids], context, "document")
        excluded = {
            qid: sorted(ids & set(doc_ids)) or ["N/A"] for qid, ids in data.excluded.items()
        }
        want = official.official_metrics(q, d, query_ids, doc_ids, excluded, data.qrels)
        assert {k: entry[k] for k in want} == want, mteb_name

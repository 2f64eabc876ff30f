"""Real pony/biology queries (all 112 + 103, with their real gold_ids / gold_ids_long) end to end.

The real documents are only on the hub, so the corpus here is synthetic: every real gold
id plus distractors, with texts built from the id and random words of the domain's
queries. A third of the queries get excluded ids, some of them the documents the query
likes best. Our run must equal official run.py's scoring path on the same vectors.
"""

from __future__ import annotations

import gzip
import json
import random

import pytest

from embedboard.runners.bright import run_bright
from embedboard.runners.bright.context import task_context
from embedboard.runners.bright.data import load_domain
from embedboard.runners.store.results_store import ResultsStore
from tests.support import bright_official as official
from tests.support.bright_mirror import BRIGHT_DATA, bow_encoder, write_hf_folder


def _real_examples(domain: str) -> list[dict]:
    with gzip.open(
        BRIGHT_DATA / f"topics.bright-{domain}-original.jsonl.gz", "rt", encoding="utf-8"
    ) as handle:
        return [json.loads(line) for line in handle]


def _corpus(
    ids: list[str], vocabulary: list[str], rng: random.Random, distractors: int
) -> list[dict]:
    ids = ids + [f"distractor/{i}.txt" for i in range(distractors)]
    return [
        {"id": i, "content": " ".join([i.replace("/", " ")] + rng.sample(vocabulary, 12))}
        for i in ids
    ]


@pytest.fixture(scope="module")
def real_mirror(tmp_path_factory):
    rng = random.Random(0)
    configs: dict[str, dict[str, list[dict]]] = {
        "documents": {},
        "long_documents": {},
        "examples": {},
    }
    for domain in ("pony", "biology"):
        examples = _real_examples(domain)
        vocabulary = sorted({w for e in examples for w in e["query"].lower().split()})
        gold = sorted({g for e in examples for g in e["gold_ids"]})
        gold_long = sorted({g for e in examples for g in e["gold_ids_long"]})
        configs["documents"][domain] = _corpus(gold, vocabulary, rng, 400)
        configs["long_documents"][domain] = _corpus(gold_long, vocabulary, rng, 150)
        for i, example in enumerate(examples):
            if i % 3 == 0:  # standard ids only: official run.py checks them against gold_ids
                pool = [
                    d["id"]
                    for d in configs["documents"][domain]
                    if d["id"] not in example["gold_ids"]
                ]
                example["excluded_ids"] = rng.sample(pool, 25)
        configs["examples"][domain] = examples
    root = tmp_path_factory.mktemp("bright-real")
    write_hf_folder(root / "xlangai" / "BRIGHT", configs)
    return root


@pytest.mark.slow
@pytest.mark.parametrize(
    ("domain", "long_context"),
    [("pony", False), ("pony", True), ("biology", False), ("biology", True)],
)
def test_real_queries_end_to_end_equal_official(
    real_mirror, tmp_path, datasets_cache, domain, long_context
):
    encoder = bow_encoder()
    store = ResultsStore(tmp_path, encoder.card.result_name, encoder.card.revision)
    kwargs = dict(
        data_dir=str(real_mirror),
        show_progress=False,
        cache_dir=datasets_cache,
        echo=lambda *_: None,
    )
    # Small chunks: the running top-k merges many chunks, as on 400k-document domains.
    run_bright(
        encoder,
        store,
        domains=[domain],
        long_context=long_context,
        overwrite=False,
        doc_chunk_size=97,
        **kwargs,
    )
    split = "long" if long_context else "standard"
    entry = json.loads(store.task_path("BrightRetrieval").read_text())["scores"][split][0]

    data = load_domain(
        domain, long_context=long_context, data_dir=str(real_mirror), cache_dir=datasets_cache
    )
    assert len(data.queries) == {"pony": 112, "biology": 103}[domain]
    excluded_queries = [q for q, ids in data.excluded.items() if ids]
    assert len(excluded_queries) == (len(data.queries) + 2) // 3  # every third query
    context = task_context(encoder.card, domain, long_context)
    query_ids, doc_ids = list(data.queries), list(data.corpus)
    q = encoder.encode([data.queries[i] for i in query_ids], context, "query")
    d = encoder.encode([data.corpus[i] for i in doc_ids], context, "document")
    # Official run.py would KeyError on an excluded id missing from the corpus (standard ids
    # in the long setting); give it only those present, as real BRIGHT data always does.
    in_corpus = set(doc_ids)
    raw_excluded = {
        e["id"]: [d for d in e["excluded_ids"] if d in in_corpus or d == "N/A"] or ["N/A"]
        for e in _real_rows_of(real_mirror, domain)
    }
    want = official.official_metrics(q, d, query_ids, doc_ids, raw_excluded, data.qrels)
    assert {k: entry[k] for k in want} == want

    trec = (
        (store.side_folder / "runs_trec" / f"BrightRetrieval_{split}_{domain}.trec")
        .read_text()
        .splitlines()
    )
    returned = {(line.split()[0], line.split()[2]) for line in trec}
    assert not any((qid, doc) in returned for qid in excluded_queries for doc in data.excluded[qid])


def _real_rows_of(root, domain: str) -> list[dict]:
    path = root / "xlangai" / "BRIGHT" / "examples" / f"{domain}.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]

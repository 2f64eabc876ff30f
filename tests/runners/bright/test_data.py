"""Loading BRIGHT: real pony/biology queries and qrels, a local mirror, and the errors that name the fix."""

from __future__ import annotations

import gzip
import json

import pytest

from embedboard.errors import EmbedboardError
from embedboard.runners.bright.data import (
    DOMAINS,
    LONG_DOMAINS,
    canonical_variant,
    check_domains,
    corpus_from_rows,
    load_domain,
    locate,
    queries_from_rows,
)
from tests.support.bright_mirror import BRIGHT_DATA


def _real_rows(domain: str) -> list[dict]:
    with gzip.open(
        BRIGHT_DATA / f"topics.bright-{domain}-original.jsonl.gz", "rt", encoding="utf-8"
    ) as handle:
        return [json.loads(line) for line in handle]


def _trec_qrels(name: str) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    for line in (BRIGHT_DATA / name).read_text().splitlines():
        qid, _, doc_id, rel = line.split()
        qrels.setdefault(qid, {})[doc_id] = int(rel)
    return qrels


@pytest.mark.parametrize(
    ("domain", "n_queries", "n_gold", "n_gold_long"),
    [("pony", 112, 2219, 769), ("biology", 103, 372, 134)],
)
def test_real_queries_and_both_qrels(domain, n_queries, n_gold, n_gold_long):
    rows = _real_rows(domain)
    queries, qrels, excluded = queries_from_rows(rows, long_context=False)
    assert len(queries) == n_queries and queries["0"] == rows[0]["query"]
    assert sum(map(len, qrels.values())) == n_gold
    assert qrels == _trec_qrels(f"qrels.bright-{domain}.txt")  # anserini's qrels are gold_ids
    assert set(qrels["0"]) == set(rows[0]["gold_ids"]) and set(qrels["0"].values()) == {1}
    # Every real pony/biology query says excluded_ids == ["N/A"]: nothing excluded.
    assert all(ids == ["N/A"] for ids in (r["excluded_ids"] for r in rows))
    assert all(ids == set() for ids in excluded.values())

    _, long_qrels, _ = queries_from_rows(rows, long_context=True)
    assert sum(map(len, long_qrels.values())) == n_gold_long
    assert set(long_qrels["0"]) == set(rows[0]["gold_ids_long"])


def test_excluded_ids_at_real_scale():
    rows = _real_rows("biology")
    for i, row in enumerate(rows):  # exclude two non-gold ids per query, keep "N/A" noise
        row["excluded_ids"] = [f"biology/excluded_{i}_a.txt", f"biology/excluded_{i}_b.txt", "N/A"]
    _, _, excluded = queries_from_rows(rows, long_context=False)
    assert len(excluded) == 103 and all(
        len(ids) == 2 and "N/A" not in ids for ids in excluded.values()
    )

    rows[5]["excluded_ids"] = [rows[5]["gold_ids"][0]]  # official run.py asserts this never happens
    with pytest.raises(EmbedboardError, match="both gold"):
        queries_from_rows(rows, long_context=False)


def test_repeated_ids_are_refused():
    with pytest.raises(EmbedboardError, match="repeats document id"):
        corpus_from_rows([{"id": "a", "content": "x"}, {"id": "a", "content": "y"}])


def test_names_are_checked():
    assert canonical_variant("gpt4") == canonical_variant("gpt4_reason") == "gpt4_reason"
    with pytest.raises(EmbedboardError, match="Did you mean"):
        canonical_variant("gpt-4")
    assert check_domains(DOMAINS, long_context=False) == list(DOMAINS)
    assert len(LONG_DOMAINS) == 8 and "aops" not in LONG_DOMAINS
    with pytest.raises(EmbedboardError, match="long-document domain 'aops'"):
        check_domains(["aops"], long_context=True)


def test_missing_mirror_offline_names_folder_and_command(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EmbedboardError) as err:
        locate(str(tmp_path))
    message = str(err.value)
    assert str(tmp_path / "xlangai" / "BRIGHT") in message
    assert f"embedboard data pull bright --data-dir {tmp_path}" in message
    with pytest.raises(EmbedboardError, match="embedboard data pull bright"):
        locate(None)


def test_load_domain_from_mirror(bright_data_dir, datasets_cache):
    data = load_domain(
        "aops", long_context=False, data_dir=str(bright_data_dir), cache_dir=datasets_cache
    )
    assert data.source.kind == "local" and data.source.location.endswith("xlangai/BRIGHT")
    assert len(data.corpus) == 20 and len(data.queries) == 6
    assert data.excluded["0"] == {"aops/0_2.txt", "aops/2_0.txt", "aops/not_in_corpus.txt"}
    assert data.excluded["1"] == set()

    long = load_domain(
        "pony",
        long_context=True,
        query_variant="gpt4",
        data_dir=str(bright_data_dir),
        cache_dir=datasets_cache,
    )
    assert long.query_variant == "gpt4_reason" and long.queries["0"].startswith("Reasoning:")
    assert long.qrels["0"] == {"pony/0_0_long.txt": 1} and all(
        d.endswith("_long.txt") or "dup" in d for d in long.corpus
    )


def test_domain_missing_from_mirror_names_the_fix(bright_data_dir, datasets_cache):
    with pytest.raises(EmbedboardError, match="domain 'leetcode'.*embedboard data pull bright"):
        load_domain(
            "leetcode", long_context=False, data_dir=str(bright_data_dir), cache_dir=datasets_cache
        )

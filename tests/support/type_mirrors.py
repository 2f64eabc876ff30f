"""Small mirror folders for the task types no public copy exists of, built from real shared texts.

mteb's clustering and reranking rows are random draws made when mteb built the sets, so no
copy of them exists offline. These folders hold real texts from `../shared/mteb-mirror`, in
exactly the layout mteb 2.26 reads for each task (its `load_data` / `dataset_transform`):

- `mteb/twentynewsgroups-clustering` (TwentyNewsgroupsClustering.v2, fast clustering): config
  `default`, split `test`, rows `{"sentences": [...], "labels": [...]}` that the task flattens;
  Banking77 test texts and intents.
- `C-MTEB/CLSClusteringS2S` (legacy clustering, one k-means per row): same row shape, each row
  one cluster set; TNews validation headlines and their categories.
- `mteb/AskUbuntuDupQuestions` and `mteb/CMedQAv1-reranking` (retrieval-style reranking):
  configs `corpus`, `queries`, `default` (qrels), `top_ranked`, split `test`. SciFact claims
  ranked against candidate titles (their relevant ones + others), and QBQTC queries against
  their relevant title + other queries' titles.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

CLUSTERING_V2 = "mteb/twentynewsgroups-clustering"
CLUSTERING_LEGACY = "C-MTEB/CLSClusteringS2S"
RERANKING_EN = "mteb/AskUbuntuDupQuestions"
RERANKING_ZH = "mteb/CMedQAv1-reranking"

TASK_FOLDERS = {
    "TwentyNewsgroupsClustering.v2": CLUSTERING_V2,
    "CLSClusteringS2S": CLUSTERING_LEGACY,
    "AskUbuntuDupQuestions": RERANKING_EN,
    "CMedQAv1-reranking": RERANKING_ZH,
}


def _rows(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def write_folder(
    root: Path, hf_path: str, configs: dict[str, dict[str, list[dict[str, Any]]]]
) -> Path:
    """`root/hf_path` with a README declaring every config/split and one JSON-lines file per split."""
    folder = root / hf_path
    header = ["---", "configs:"]
    for config, splits in configs.items():
        header += [f"- config_name: {config}", "  data_files:"]
        for split, rows in splits.items():
            relative = f"{config}/{split}.jsonl"
            (folder / config).mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
            )
            header += [f"  - split: {split}", f"    path: {relative}"]
    (folder / "README.md").write_text(
        "\n".join([*header, "---", "", f"Test copy of {hf_path} built from real texts."]) + "\n"
    )
    return folder


def _cluster_sets(
    items: list[tuple[str, Any]], n_sets: int, seed: int
) -> list[dict[str, list[Any]]]:
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    return [
        {
            "sentences": [t for t, _ in shuffled[i::n_sets]],
            "labels": [label for _, label in shuffled[i::n_sets]],
        }
        for i in range(n_sets)
    ]


def build_clustering_v2(root: Path, mirror: Path, n_labels: int = 20, per_label: int = 60) -> Path:
    """Banking77 test texts of `n_labels` intents, as 2 cluster-set rows (the task flattens them)."""
    by_label: dict[str, list[str]] = defaultdict(list)
    for row in _rows(mirror / "mteb/banking77/data/test.jsonl"):
        by_label[row["label_text"]].append(row["text"])
    items = [
        (text, label)
        for label in sorted(by_label)[:n_labels]
        for text in by_label[label][:per_label]
    ]
    return write_folder(root, CLUSTERING_V2, {"default": {"test": _cluster_sets(items, 2, seed=0)}})


def build_clustering_legacy(root: Path, mirror: Path, n_sets: int = 10, per_set: int = 60) -> Path:
    """TNews validation headlines with their category ids, as `n_sets` cluster sets (one k-means each)."""
    rows = _rows(mirror / "C-MTEB/TNews-classification/data/validation.jsonl")[: n_sets * per_set]
    items = [(row["text"], str(row["label"])) for row in rows]
    return write_folder(
        root, CLUSTERING_LEGACY, {"default": {"test": _cluster_sets(items, n_sets, seed=0)}}
    )


def _reranking_configs(
    queries: dict[str, str],
    documents: dict[str, str],
    relevant: dict[str, list[str]],
    candidates: dict[str, list[str]],
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    used = sorted({d for docs in candidates.values() for d in docs})
    return {
        "corpus": {"test": [{"id": d, "title": "", "text": documents[d]} for d in used]},
        "queries": {"test": [{"id": q, "text": queries[q]} for q in candidates]},
        "default": {
            "test": [
                {"query-id": q, "corpus-id": d, "score": 1} for q in candidates for d in relevant[q]
            ]
        },
        "top_ranked": {"test": [{"query-id": q, "corpus-ids": candidates[q]} for q in candidates]},
    }


def _candidates(
    relevant: dict[str, list[str]], pool: list[str], per_query: int, seed: int
) -> dict[str, list[str]]:
    rng = random.Random(seed)
    out = {}
    for qid, positives in relevant.items():
        negatives = rng.sample([d for d in pool if d not in positives], per_query - len(positives))
        ranked = positives + negatives
        rng.shuffle(ranked)
        out[qid] = ranked
    return out


def build_reranking_en(root: Path, mirror: Path, n_queries: int = 30, per_query: int = 10) -> Path:
    """SciFact test claims, each reranking its relevant papers' titles among other papers' titles."""
    scifact = mirror / "mteb/scifact"
    relevant: dict[str, list[str]] = defaultdict(list)
    for row in _rows(scifact / "default/test.jsonl"):
        relevant[str(row["query-id"])].append(str(row["corpus-id"]))
    chosen = {q: relevant[q] for q in list(relevant)[:n_queries]}
    titles = {str(r["_id"]): r["title"] for r in _rows(scifact / "corpus/corpus.jsonl")}
    queries = {str(r["_id"]): r["text"] for r in _rows(scifact / "queries/queries.jsonl")}
    pool = sorted(titles)[:2000]
    candidates = _candidates(chosen, pool, per_query, seed=0)
    return write_folder(root, RERANKING_EN, _reranking_configs(queries, titles, chosen, candidates))


def build_reranking_zh(root: Path, mirror: Path, n_queries: int = 30, per_query: int = 10) -> Path:
    """QBQTC queries, each reranking its relevant title among the titles of other queries."""
    rows = _rows(mirror / "C-MTEB/QBQTC/data/test.jsonl")
    queries, documents, relevant = {}, {}, {}
    for number, row in enumerate(rows):
        documents[f"d{number}"] = row["sentence2"]
        if (
            row["score"] >= 1
            and len(relevant) < n_queries
            and row["sentence1"] not in queries.values()
        ):
            queries[f"q{number}"] = row["sentence1"]
            relevant[f"q{number}"] = [f"d{number}"]
    pool = sorted(documents)[:2000]
    candidates = _candidates(relevant, pool, per_query, seed=0)
    return write_folder(
        root, RERANKING_ZH, _reranking_configs(queries, documents, relevant, candidates)
    )


PAIRS = "mteb/twitterurlcorpus-pairclassification"
CLASSIFICATION = "mteb/banking77"
SUMMARIZATION = "mteb/summeval"


def build_real_subsets(
    root: Path, mirror: Path, pairs: int = 600, labels: int = 15, documents: int = 40
) -> Path:
    """Small, same-layout subsets of three real mirrored tasks (every row unchanged)."""
    twitter = _rows(mirror / PAIRS / "data/test.jsonl")
    write_folder(
        root, PAIRS, {"default": {"test": twitter[:: max(1, len(twitter) // pairs)][:pairs]}}
    )
    kept = sorted({row["label"] for row in _rows(mirror / CLASSIFICATION / "data/test.jsonl")})[
        :labels
    ]
    splits = {}
    for split, per_label in (("train", 16), ("test", 20)):
        taken: dict[int, int] = defaultdict(int)
        splits[split] = []
        for row in _rows(mirror / CLASSIFICATION / f"data/{split}.jsonl"):
            if row["label"] in kept and taken[row["label"]] < per_label:
                taken[row["label"]] += 1
                splits[split].append(row)
    write_folder(root, CLASSIFICATION, {"default": splits})
    write_folder(
        root,
        SUMMARIZATION,
        {"default": {"test": _rows(mirror / SUMMARIZATION / "data/test.jsonl")[:documents]}},
    )
    return root


def build_all(root: Path, mirror: Path) -> Path:
    build_real_subsets(root, mirror)
    build_clustering_v2(root, mirror)
    build_clustering_legacy(root, mirror)
    build_reranking_en(root, mirror)
    build_reranking_zh(root, mirror)
    return root

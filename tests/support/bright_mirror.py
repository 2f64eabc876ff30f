"""A small BRIGHT mirror in Hugging Face layout, written by the tests themselves.

The folder has the hub dataset's shape: a README.md whose YAML declares the configs
(`documents`, `long_documents`, `examples`, `gpt4_reason`) with one split per domain, and
JSON-lines files. `datasets.load_dataset(folder, config, split=domain)` reads it with no
network, exactly as it reads `xlangai/BRIGHT`.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import numpy as np

from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from tests.support.paths import SHARED

BRIGHT_DATA = SHARED / "data" / "BRIGHT"

# Topic words make some documents clearly closer to some queries than others.
_TOPICS = {
    "biology": [
        "cells divide by mitosis",
        "proteins fold into shapes",
        "genes encode traits",
        "viruses infect host cells",
        "enzymes speed up reactions",
        "photosynthesis in leaves",
    ],
    "aops": [
        "sum of an arithmetic series",
        "prime factorisation of integers",
        "area of a triangle",
        "probability of rolling dice",
        "roots of a quadratic equation",
        "counting permutations",
    ],
    "pony": [
        "pony actors send messages",
        "pony reference capabilities iso val ref",
        "pony control structures if while for",
        "pony primitives and numbers",
        "pony classes and methods",
        "pony generics and interfaces",
    ],
}


def _docs(domain: str, long: bool) -> list[dict[str, str]]:
    rows = []
    for t, topic in enumerate(_TOPICS[domain]):
        parts = 2 if long else 3
        for p in range(parts):
            text = f"{topic}. passage {p} explains {topic} in detail with example {p}."
            if long:
                text = " ".join([text] * 40)  # long enough to be truncated at 256 tokens
            rows.append({"id": f"{domain}/{t}_{p}{'_long' if long else ''}.txt", "content": text})
    # Near-duplicate texts: identical scores put the tie rules to work.
    rows.append({"id": f"{domain}/dup_b.txt", "content": rows[0]["content"]})
    rows.append({"id": f"{domain}/dup_a.txt", "content": rows[0]["content"]})
    return rows


def _examples(domain: str, variant: str) -> list[dict[str, object]]:
    rows = []
    for t, topic in enumerate(_TOPICS[domain]):
        question = f"question {t}: how does it work when {topic}?"
        if variant != "examples":
            question = f"Reasoning: think about {topic} step by step. {question}"
        gold = [f"{domain}/{t}_0.txt", f"{domain}/{(t + 1) % 6}_1.txt"]
        excluded = ["N/A"]
        if domain == "aops" and t % 2 == 0:
            # The query's own twin document is excluded, as BRIGHT does for aops/leetcode/theoremqa.
            excluded = [
                f"{domain}/{t}_2.txt",
                f"{domain}/{(t + 2) % 6}_0.txt",
                "aops/not_in_corpus.txt",
            ]
            gold = [g for g in gold if g not in excluded]
        rows.append(
            {
                "query": question,
                "reasoning": "N/A",
                "id": str(t),
                "excluded_ids": excluded,
                "gold_ids": gold,
                "gold_ids_long": [f"{domain}/{t}_0_long.txt"],
                "gold_answer": "N/A",
            }
        )
    return rows


def write_hf_folder(folder: Path, configs: dict[str, dict[str, list[dict]]]) -> Path:
    """An HF-layout dataset folder: README.md YAML configs, one JSON-lines file per split."""
    yaml_lines = ["---", "configs:"]
    for config, by_split in configs.items():
        yaml_lines += [f"- config_name: {config}", "  data_files:"]
        for split, rows in by_split.items():
            path = folder / config / f"{split}.jsonl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            yaml_lines += [f"  - split: {split}", f"    path: {config}/{split}.jsonl"]
    (folder / "README.md").write_text("\n".join([*yaml_lines, "---", "", "Test mirror."]) + "\n")
    return folder


def write_mirror(root: Path, domains: tuple[str, ...] = ("biology", "aops", "pony")) -> Path:
    """`root/xlangai/BRIGHT` in HF layout; returns that folder."""
    configs: dict[str, dict[str, list[dict]]] = {
        "documents": {d: _docs(d, long=False) for d in domains},
        "long_documents": {d: _docs(d, long=True) for d in domains},
        "examples": {d: _examples(d, "examples") for d in domains},
        "gpt4_reason": {d: _examples(d, "gpt4_reason") for d in domains},
    }
    return write_hf_folder(root / "xlangai" / "BRIGHT", configs)


DIM = 64


class BagOfWords(EmbeddingModel):
    """Hashed word counts: similar texts get similar vectors, identical texts identical ones."""

    def embed(self, inputs):
        vectors = np.zeros((len(inputs), DIM), dtype=np.float32)
        for row, text in enumerate(inputs):
            for word in text.lower().replace(".", " ").replace("?", " ").split():
                vectors[row, zlib.crc32(word.encode()) % DIM] += 1.0
        return vectors + 1e-3  # no all-zero rows


def bow_encoder(cache_dir: Path | None = None) -> BagOfWords:
    card = ModelCard(
        name="bow", adapter="test", source="none", hub_id="test/bow", revision="r1", dim=DIM
    )
    return BagOfWords(card, cache_dir=str(cache_dir) if cache_dir else None, show_progress=False)

"""BRIGHT data: the hub dataset `xlangai/BRIGHT` (or a local mirror of it) as plain BEIR-style dicts.

The dataset has one config per kind of row and one split per domain:
`documents` / `long_documents` hold `{id, content}`; `examples` and the
reasoning-augmented `<model>_reason` configs hold the queries with `gold_ids`,
`gold_ids_long` and `excluded_ids`. Official run.py reads queries, qrels and exclusions
all from the same query config, and so do we.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from embedboard.errors import EmbedboardError, unknown_name_error
from embedboard.runners.data.data_source import (
    DataSource,
    hub_offline,
    local_source,
    mirror_folder,
    pull_command,
)
from embedboard.runners.data.mirror_cache import mirror_cache_dir

HUB_PATH = "xlangai/BRIGHT"
PULL_SUITE = "bright"

DOMAINS = (
    "biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow",
    "sustainable_living", "leetcode", "pony", "aops", "theoremqa_questions", "theoremqa_theorems",
)  # fmt: skip
# The long-document setting exists for the StackExchange domains and pony only.
LONG_DOMAINS = (
    "biology", "earth_science", "economics", "psychology", "robotics", "stackoverflow",
    "sustainable_living", "pony",
)  # fmt: skip
QUERY_VARIANTS = (
    "examples", "gpt4_reason", "claude-3-opus_reason", "Gemini-1.0_reason", "grit_reason",
    "llama3-70b_reason",
)  # fmt: skip
# "N/A" in excluded_ids means "nothing excluded" (official retrievers.get_scores skips it).
NO_EXCLUSION = "N/A"


@dataclass(frozen=True)
class BrightDomain:
    """One domain in one setting: what the scorer needs, as plain dicts keyed by string ids."""

    domain: str
    long_context: bool
    query_variant: str
    corpus: dict[str, str]  # doc id -> content
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {gold doc id: 1}
    excluded: dict[str, set[str]]  # query id -> doc ids never to be returned for it
    source: DataSource


def canonical_variant(name: str) -> str:
    """`gpt4` and `gpt4_reason` both name the config `gpt4_reason`."""
    candidate = name if name in QUERY_VARIANTS else f"{name}_reason"
    if candidate not in QUERY_VARIANTS:
        raise unknown_name_error("BRIGHT query variant", name, QUERY_VARIANTS, "embedboard suites")
    return candidate


def check_domains(domains: Iterable[str], long_context: bool) -> list[str]:
    allowed = LONG_DOMAINS if long_context else DOMAINS
    domains = list(domains)
    for domain in domains:
        if domain not in allowed:
            setting = "long-document" if long_context else "standard"
            raise unknown_name_error(
                f"BRIGHT {setting} domain", domain, allowed, "embedboard suites"
            )
    return domains


def gold_field(long_context: bool) -> str:
    return "gold_ids_long" if long_context else "gold_ids"


def corpus_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """`{id: content}`; a repeated id is an error (official code would silently keep one score)."""
    corpus: dict[str, str] = {}
    for row in rows:
        doc_id = str(row["id"])
        if doc_id in corpus:
            raise EmbedboardError(
                f"BRIGHT corpus repeats document id {doc_id!r}; the data is corrupt."
            )
        corpus[doc_id] = row["content"]
    return corpus


def queries_from_rows(
    rows: Iterable[Mapping[str, Any]], long_context: bool
) -> tuple[dict[str, str], dict[str, dict[str, int]], dict[str, set[str]]]:
    """Queries, binary qrels and exclusions, as official run.py builds them.

    Official run.py asserts that no excluded id is also gold; we refuse such data too,
    because that document could never be retrieved and the query's score would be capped.
    """
    field = gold_field(long_context)
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    excluded: dict[str, set[str]] = {}
    for row in rows:
        qid = str(row["id"])
        if qid in queries:
            raise EmbedboardError(f"BRIGHT queries repeat id {qid!r}; the data is corrupt.")
        queries[qid] = row["query"]
        qrels[qid] = {str(gid): 1 for gid in row[field] or ()}
        excluded[qid] = {str(d) for d in row.get("excluded_ids") or () if d != NO_EXCLUSION}
        overlap = excluded[qid] & set(qrels[qid])
        if overlap:
            raise EmbedboardError(
                f"BRIGHT query {qid}: ids {sorted(overlap)[:3]} are both gold ({field}) and excluded."
            )
    return queries, qrels, excluded


def locate(data_dir: str | None) -> DataSource:
    """The mirror folder `<data_dir>/xlangai/BRIGHT` when it exists, else the hub (if online)."""
    if data_dir:
        folder = mirror_folder(data_dir, HUB_PATH)
        if folder.is_dir():
            return local_source(folder)
        if hub_offline():
            raise EmbedboardError(
                f"BRIGHT: no local copy at {folder} and the hub is offline. Fill the mirror on a "
                f"connected machine with `{pull_command(PULL_SUITE, data_dir)}`, or drop --data-dir."
            )
    elif hub_offline():
        raise EmbedboardError(
            f"BRIGHT needs {HUB_PATH} but the hub is offline. Pass --data-dir D with a mirror at "
            f"D/{HUB_PATH} (fill it with `{pull_command(PULL_SUITE, 'D')}`)."
        )
    return DataSource("hub", HUB_PATH)


def load_rows(source: DataSource, config: str, domain: str, cache_dir: str | None = None) -> Any:
    """One config's rows for one domain (a `datasets.Dataset`), with errors that name the fix."""
    import datasets

    try:
        return datasets.load_dataset(
            source.location, config, split=domain, cache_dir=mirror_cache_dir(source, cache_dir)
        )
    except Exception as err:  # missing config/split in a mirror, network, ...: say what to do
        fill = f"`{pull_command(PULL_SUITE, 'D')}` and pass --data-dir D"
        where = (
            f"the mirror {source.location}" if source.kind == "local" else f"the hub ({HUB_PATH})"
        )
        raise EmbedboardError(
            f"Could not load BRIGHT config '{config}', domain '{domain}' from {where}: {err}. "
            f"Fill a complete mirror with {fill}."
        ) from err


def load_domain(
    domain: str,
    *,
    long_context: bool,
    query_variant: str = "examples",
    data_dir: str | None = None,
    cache_dir: str | None = None,
) -> BrightDomain:
    """Corpus, queries, qrels and exclusions of one domain, from a mirror or the hub."""
    check_domains([domain], long_context)
    variant = canonical_variant(query_variant)
    source = locate(data_dir)
    documents = load_rows(
        source, "long_documents" if long_context else "documents", domain, cache_dir
    )
    examples = load_rows(source, variant, domain, cache_dir)
    queries, qrels, excluded = queries_from_rows(examples, long_context)
    return BrightDomain(
        domain=domain,
        long_context=long_context,
        query_variant=variant,
        # Column access: row-by-row iteration of a 400k-document split is needlessly slow.
        corpus=corpus_from_rows(
            {"id": i, "content": c}
            for i, c in zip(documents["id"], documents["content"], strict=True)
        ),
        queries=queries,
        qrels=qrels,
        excluded=excluded,
        source=source,
    )

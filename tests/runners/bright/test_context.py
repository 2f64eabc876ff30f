"""BRIGHT instruction tables against the official configs, and how a card selects one."""

from __future__ import annotations

import json

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.runners.bright.context import mteb_task_name, task_context
from embedboard.runners.bright.data import DOMAINS, LONG_DOMAINS
from embedboard.tasks.instructions import load_table, resolve_instruction
from tests.support.paths import REFERENCE

REFERENCE_TABLES = json.loads((REFERENCE / "bright_instructions.json").read_text())
# Official config key -> our table (configs with identical contents share one table).
TABLE_OF = {
    "bge": "bright-bge",
    "e5": "bright-instruct",
    "sf": "bright-instruct",
    "qwen": "bright-instruct",
    "qwen2": "bright-instruct",
    "grit": "bright-grit",
    "inst-l": "bright-instructor",
    "inst-xl": "bright-instructor",
}
NO_INSTRUCTIONS = ("bm25", "cohere", "google", "openai", "sbert", "voyage")


def _card(table: str | None = None, instructions: str | None = None) -> ModelCard:
    options = {"bright_instructions": table} if table else {}
    return ModelCard(
        name="m",
        adapter="sentence-transformers",
        source="x",
        instructions=instructions,
        options=options,
    )


def _cases():
    for model, table in TABLE_OF.items():
        for domain in DOMAINS:
            for long_context in (False, True):
                if long_context and domain not in LONG_DOMAINS:
                    continue
                yield model, table, domain, long_context


@pytest.mark.parametrize(("model", "table", "domain", "long_context"), list(_cases()))
def test_tables_equal_official_configs_filled_with_raw_task_id(model, table, domain, long_context):
    config = REFERENCE_TABLES["configs"][model][domain]
    official = config["instructions_long" if long_context else "instructions"]
    task = task_context(_card(table), domain, long_context)
    for side in ("query", "document"):
        # run.py: instruction.format(task=args.task), the raw id ("earth_science").
        want = official[side].format(task=domain) if side in official else None
        assert resolve_instruction(task.instruction_table, task, side) == want, (
            model,
            domain,
            side,
        )
    assert (
        resolve_instruction(task.instruction_table, task, None) is None
    )  # never a symmetric prefix


def test_models_without_instructions_and_complete_coverage():
    configs = REFERENCE_TABLES["configs"]
    assert set(configs) == set(TABLE_OF) | set(NO_INSTRUCTIONS)
    for model in NO_INSTRUCTIONS:
        assert all(
            not c["instructions"] and not c.get("instructions_long")
            for c in configs[model].values()
        )
    for model, table in TABLE_OF.items():  # a shared table must stand for identical configs
        assert configs[model] == configs[next(m for m, t in TABLE_OF.items() if t == table)]


def test_seed_table_gives_every_query_the_default():
    seed = json.loads((REFERENCE / "seed_instructions.json").read_text())
    for domain, long_context in (("biology", False), ("pony", True), ("aops", False)):
        task = task_context(_card("bright-seed"), domain, long_context)
        assert (
            resolve_instruction(task.instruction_table, task, "query")
            == seed["default_instruction"]
        )
        assert resolve_instruction(task.instruction_table, task, "document") is None


def test_without_a_bright_table_the_encoders_own_table_answers_by_mteb_name():
    task = task_context(_card(), "biology", False)
    assert task.name == "BrightBiologyRetrieval" and task.instruction_table is None
    assert task.instruction_key is None
    # mteb-keyed tables (bge-en) keep working ...
    assert (
        resolve_instruction("bge-en", task, "query")
        == "Represent this biology post for searching relevant passages: "
    )
    # ... and "Instruct: {task_prompt}" tables get BRIGHT's wording: exactly official qwen2's instruction.
    official = REFERENCE_TABLES["configs"]["qwen2"]["biology"]["instructions"]["query"].format(
        task="biology"
    )
    assert resolve_instruction("instruct-query", task, "query") == official
    long_task = task_context(_card(), "pony", True)
    assert long_task.name == mteb_task_name("pony", True) == "BrightPonyLongRetrieval"
    official_long = REFERENCE_TABLES["configs"]["qwen2"]["pony"]["instructions_long"][
        "query"
    ].format(task="pony")
    assert resolve_instruction("instruct-query", long_task, "query") == official_long


def test_explicit_table_wins_and_unknown_tables_fail_early():
    task = task_context(_card("bright-bge"), "biology", False, instructions="bright-instruct")
    assert task.instruction_table == "bright-instruct"
    with pytest.raises(EmbedboardError, match="bright-bge"):
        task_context(_card("bright-bgee"), "biology", False)


def test_base_encoder_uses_the_task_table(tmp_path):
    """The hook in models/base.py: TaskContext.instruction_table beats the card's table."""
    from embedboard.models.base import EmbeddingModel

    encoder = EmbeddingModel(_card("bright-bge", instructions="bge-en"))
    task = task_context(encoder.card, "earth_science", False)
    assert (
        encoder.instruction_for(task, "query")
        == "Represent this earth_science post for searching relevant passages: "
    )
    assert load_table("bright-bge").applies_to == ("query",)

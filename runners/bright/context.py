"""What the encoder is told about a BRIGHT domain: task name, instruction table and key.

Official BRIGHT keeps one instruction config per model (`configs/<model>/<task>.json`),
`instructions` for the standard documents and `instructions_long` for long ones, with
`{task}` filled by the raw domain id. We ship those as instruction tables
(`tasks/instructions/bright-*.json`, keys `<domain>` and `<domain>:long`). A card selects
its table with the option `bright_instructions: bright-bge`.

Without that option the encoder's own table answers, looked up by mteb's BRIGHT(v1.1)
task name (`BrightBiologyRetrieval`, `BrightBiologyLongRetrieval`): tables written for
mteb (bge-en) then work unchanged, and `{task_prompt}` tables (gte-Qwen's
"Instruct: {task_prompt}\\nQuery: ") receive BRIGHT's own task wording, which gives back
exactly the official e5/SFR/Qwen instruction.
"""

from __future__ import annotations

from typing import Any

from embedboard.models.protocol import TaskContext
from embedboard.tasks.instructions import load_table

CARD_OPTION = "bright_instructions"
# The instruct-style table whose wording doubles as the task prompt (see module docstring).
TASK_PROMPT_TABLE = "bright-instruct"
LANGUAGES = ("eng-Latn",)

# Domain -> the word mteb uses in its BRIGHT(v1.1) task class names.
_MTEB_WORDS = {
    "biology": "Biology",
    "earth_science": "EarthScience",
    "economics": "Economics",
    "psychology": "Psychology",
    "robotics": "Robotics",
    "stackoverflow": "Stackoverflow",
    "sustainable_living": "SustainableLiving",
    "leetcode": "Leetcode",
    "pony": "Pony",
    "aops": "Aops",
    "theoremqa_questions": "TheoremQAQuestions",
    "theoremqa_theorems": "TheoremQATheorems",
}


def mteb_task_name(domain: str, long_context: bool) -> str:
    """mteb's BRIGHT(v1.1) task for this domain and setting, e.g. `BrightPonyLongRetrieval`."""
    return f"Bright{_MTEB_WORDS[domain]}{'Long' if long_context else ''}Retrieval"


def instruction_key(domain: str, long_context: bool) -> str:
    """The by_task key in a bright-* table: official `instructions` vs `instructions_long`."""
    return f"{domain}:long" if long_context else domain


def task_prompt(domain: str, long_context: bool) -> str:
    """BRIGHT's plain task wording, e.g. "Given a biology post, retrieve relevant passages ..."."""
    entry = load_table(TASK_PROMPT_TABLE).by_task[instruction_key(domain, long_context)]
    return entry.removeprefix("Instruct: ").removesuffix("\nQuery: ")


def bright_table(card: Any, override: str | None = None) -> str | None:
    """The BRIGHT instruction table to use: an explicit one, else the card's option, else none."""
    table = override or (card.options or {}).get(CARD_OPTION)
    if table:
        load_table(table)  # an unknown name fails now, before any encoding
    return table


def task_context(
    card: Any, domain: str, long_context: bool, instructions: str | None = None
) -> TaskContext:
    """The TaskContext for both sides of one domain; it never depends on the query variant,
    so document vectors (and their cache entries) are shared by every variant."""
    table = bright_table(card, instructions)
    return TaskContext(
        name=mteb_task_name(domain, long_context),
        type="Retrieval",
        languages=LANGUAGES,
        instruction_key=instruction_key(domain, long_context) if table else None,
        task_prompt=task_prompt(domain, long_context),
        instruction_table=table,
    )

"""Instruction tables: which prefix a model family puts on which side of which task.

A table is a JSON/YAML file:

    name: bge-en
    applies_to: [query]               # sides that get an instruction: query, document, symmetric
    default: "Represent this ..."     # used when neither the task nor its type is listed
    by_type: {Retrieval: "..."}       # mteb task type -> instruction
    by_task: {SciFact: "..."}         # mteb task name -> instruction (wins over by_type)

An entry is either one string (the same for every side in `applies_to`) or a mapping
side -> string. `{task_prompt}` in an entry is replaced by the task's own mteb prompt,
the way instruction-tuned decoders (gte-Qwen2, e5-mistral) are evaluated.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError, unknown_name_error
from embedboard.models.protocol import PromptType, TaskContext
from embedboard.yaml_files import read_yaml

TABLES_DIR = Path(__file__).with_name("instructions")
SIDES = ("query", "document", "symmetric")


def side_of(prompt_type: PromptType) -> str:
    """mteb passes None for symmetric tasks; tables call that side "symmetric"."""
    return prompt_type or "symmetric"


@dataclass(frozen=True)
class InstructionTable:
    name: str
    applies_to: tuple[str, ...]
    default: Any = None
    by_type: dict[str, Any] = field(default_factory=dict)
    by_task: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    source: str = ""

    @classmethod
    def from_dict(cls, payload: dict[str, Any], origin: str) -> InstructionTable:
        sides = tuple(payload.get("applies_to") or ())
        bad = [s for s in sides if s not in SIDES]
        if bad or not sides:
            raise EmbedboardError(
                f"Instruction table {origin}: applies_to must list some of {SIDES}, got {sides}."
            )
        known = {"name", "applies_to", "default", "by_type", "by_task", "description", "source"}
        unknown = set(payload) - known
        if unknown:
            raise EmbedboardError(f"Instruction table {origin} has unknown keys {sorted(unknown)}.")
        return cls(
            name=payload.get("name") or Path(origin).stem,
            applies_to=sides,
            default=payload.get("default"),
            by_type=dict(payload.get("by_type") or {}),
            by_task=dict(payload.get("by_task") or {}),
            description=payload.get("description", ""),
            source=payload.get("source", ""),
        )

    def resolve(self, task: TaskContext, prompt_type: PromptType) -> str | None:
        """The instruction for one side of one task, or None when that side gets none."""
        side = side_of(prompt_type)
        if side not in self.applies_to:
            return None
        key = task.instruction_key or task.name
        if key in self.by_task:
            entry = self.by_task[key]
        elif task.type in self.by_type:
            entry = self.by_type[task.type]
        else:
            entry = self.default
        if isinstance(entry, dict):
            entry = entry.get(side)
        if entry is None:
            return None
        if "{task_prompt}" in entry:
            if not task.task_prompt:
                raise EmbedboardError(
                    f"Instruction table '{self.name}' needs the task's own prompt, but task "
                    f"{task.name} has none; add it to the table's by_task."
                )
            entry = entry.replace("{task_prompt}", task.task_prompt)
        return entry


def _read(path: Path) -> dict[str, Any]:
    if path.suffix != ".json":
        payload = read_yaml(path, "Instruction table")
    else:
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise EmbedboardError(
                f"Instruction table {path} is not valid JSON ({err}); fix the file."
            ) from err
    if not isinstance(payload, dict):
        raise EmbedboardError(f"Instruction table {path} must be a mapping.")
    return payload


def available_tables() -> list[str]:
    return sorted(p.stem for p in TABLES_DIR.glob("*.json")) + sorted(
        p.stem for p in TABLES_DIR.glob("*.yaml")
    )


@lru_cache(maxsize=64)
def load_table(name_or_path: str) -> InstructionTable:
    """A shipped table by name (`bge-en`), or a user's file (`--instructions my.yaml`)."""
    path = Path(name_or_path).expanduser()
    if path.suffix in {".json", ".yaml", ".yml"}:
        if not path.exists():
            raise EmbedboardError(f"Instruction file {path} does not exist.")
        return InstructionTable.from_dict(_read(path), str(path))
    for suffix in (".json", ".yaml"):
        candidate = TABLES_DIR / f"{name_or_path}{suffix}"
        if candidate.exists():
            return InstructionTable.from_dict(_read(candidate), str(candidate))
    raise unknown_name_error(
        "instruction table", name_or_path, available_tables(), "ls tasks/instructions"
    )


def resolve_instruction(
    table: str | None, task: TaskContext, prompt_type: PromptType
) -> str | None:
    if table is None:
        return None
    return load_table(table).resolve(task, prompt_type)


def instruction_hash(instruction: str | None) -> str:
    """Short, stable id of an instruction text for run records."""
    return hashlib.sha256((instruction or "").encode("utf-8")).hexdigest()[:16]

"""Every shipped instruction table against the tables the models' authors used (../shared/reference).

The reference files are facts we test against; the tables in tasks/instructions/ are our own
data. Resolution must give, for every task and side, byte for byte what the authors' code gives.
"""

from __future__ import annotations

import json

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.protocol import TaskContext
from embedboard.tasks.instructions import load_table, resolve_instruction
from tests.support.paths import REFERENCE

SIDES = ("query", "document", None)


def reference(name: str) -> dict:
    path = REFERENCE / name
    if not path.exists():
        pytest.fail(f"{path} is missing: the tests need ../shared beside the checkout.")
    return json.loads(path.read_text(encoding="utf-8"))


def benchmark_tasks() -> dict[str, str]:
    """Task name -> mteb task type, for every task of MTEB(eng, v2), C-MTEB and BRIGHT."""
    tasks: dict[str, str] = {}
    for benchmark in reference("benchmarks.json")["benchmarks"].values():
        for task in benchmark["tasks"]:
            tasks[task["name"]] = task["type"]
    return tasks


# ---- Seed1.5 ---------------------------------------------------------------------------------
def test_seed15_table_matches_the_reference_byte_for_byte() -> None:
    seed = reference("seed_instructions.json")
    table = load_table("seed1.5")
    assert table.by_task == seed["task_to_instruction"]  # same tasks, same text
    assert len(table.by_task) == seed["n_tasks"] == 73
    assert table.default == seed["default_instruction"]
    assert table.by_type == {}


@pytest.mark.parametrize("prompt_type", SIDES)
def test_seed15_resolution_for_every_benchmark_task(prompt_type) -> None:
    """mteb's seed_models.py: instruction on prompt_type query or None, table entry else default."""
    seed = reference("seed_instructions.json")
    for name, task_type in benchmark_tasks().items():
        task = TaskContext(name=name, type=task_type)
        if prompt_type == "document":
            expected = None
        else:
            expected = seed["task_to_instruction"].get(name, seed["default_instruction"])
        assert resolve_instruction("seed1.5", task, prompt_type) == expected, (name, prompt_type)


# ---- Seed1.6 ---------------------------------------------------------------------------------
def test_seed16_prefixes_reproduce_every_format_template() -> None:
    """mteb formats `template.format(text)`; we prepend the part before `{}`. Same string, every task."""
    seed16 = reference("seed_instructions.json")["also_included"]["Bytedance/Seed1.6-embedding"]
    templates = seed16["task_to_instruction"]
    table = load_table("seed1.6")
    assert set(table.by_task) == set(templates) and len(templates) == seed16["n_tasks"] == 72
    text = "an {odd} input with braces {}"
    for name, template in templates.items():
        assert template.endswith("{}") and template.count("{") == 1, (
            f"{name}: the prefix form cannot express it"
        )
        for prompt_type in ("query", None):
            prefix = resolve_instruction("seed1.6", TaskContext(name=name, type="Any"), prompt_type)
            assert prefix + "{}" == template
            assert prefix + text == template.replace("{}", text)  # what str.format produces
        assert (
            resolve_instruction("seed1.6", TaskContext(name=name, type="Any"), "document") is None
        )


def test_seed16_has_no_default_for_unlisted_tasks() -> None:
    for name, task_type in benchmark_tasks().items():
        if name not in load_table("seed1.6").by_task:
            assert (
                resolve_instruction("seed1.6", TaskContext(name=name, type=task_type), "query")
                is None
            )


# ---- BGE -------------------------------------------------------------------------------------
def mteb_prompt(
    prompts: dict[str, str], task: str, task_type: str, prompt_type: str | None
) -> str | None:
    """mteb's key resolution, as bge_instructions.json states it:
    '{task}-{prompt_type}', task, '{task_type}-{prompt_type}', task_type, prompt_type."""
    keys = [
        f"{task}-{prompt_type}" if prompt_type else None,
        task,
        f"{task_type}-{prompt_type}" if prompt_type else None,
        task_type,
        prompt_type,
    ]
    return next((prompts[k] for k in keys if k and k in prompts), None)


@pytest.mark.parametrize(
    ("table", "section"), [("bge-en", "english_bge_v1.5_and_v1"), ("bge-zh", "chinese_bge_zh")]
)
def test_bge_tables_resolve_like_mteb_for_every_task_and_side(table, section) -> None:
    prompts = reference("bge_instructions.json")[section]["prompts"]
    assert len(prompts) == reference("bge_instructions.json")[section]["n_keys"]
    tasks = benchmark_tasks()
    # Every task the reference names must be one we resolve (the BRIGHT long variants included).
    for key in prompts:
        if key.endswith("-query"):
            tasks.setdefault(key.removesuffix("-query"), "Retrieval")
    for name, task_type in tasks.items():
        for prompt_type in SIDES:
            ours = resolve_instruction(table, TaskContext(name=name, type=task_type), prompt_type)
            assert ours == mteb_prompt(prompts, name, task_type, prompt_type), (
                table,
                name,
                prompt_type,
            )


# ---- e5 and instruct-query -------------------------------------------------------------------
def test_e5_prefixes() -> None:
    sts = TaskContext(name="STS12", type="STS")
    scifact = TaskContext(name="SciFact", type="Retrieval")
    assert resolve_instruction("e5", scifact, "query") == "query: "
    assert resolve_instruction("e5", scifact, "document") == "passage: "
    # mteb's e5 prompts only have query/document keys, so mteb gives symmetric tasks no
    # prefix (the e5 authors' FAQ suggests "query: "); we score as mteb does.
    assert resolve_instruction("e5", sts, None) is None


def test_instruct_query_uses_the_tasks_own_prompt_on_queries_only() -> None:
    task = TaskContext(
        name="ArguAna",
        type="Retrieval",
        task_prompt="Given a claim, find documents that refute the claim",
    )
    expected = "Instruct: Given a claim, find documents that refute the claim\nQuery: "
    assert resolve_instruction("instruct-query", task, "query") == expected
    assert resolve_instruction("instruct-query", task, None) == expected
    assert resolve_instruction("instruct-query", task, "document") is None
    with pytest.raises(EmbedboardError, match="needs the task's own prompt"):
        resolve_instruction("instruct-query", TaskContext(name="X", type="Retrieval"), "query")


# ---- user overrides (--instructions FILE) ------------------------------------------------------
@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_users_table_file_overrides_the_cards(tmp_path, suffix) -> None:
    payload = {
        "name": "mine",
        "applies_to": ["query", "document"],
        "default": "Q: ",
        "by_type": {"STS": "same? "},
        "by_task": {"SciFact": {"query": "claim: ", "document": "abstract: "}},
    }
    path = tmp_path / f"mine{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(payload), encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(payload, allow_unicode=True), encoding="utf-8")
    scifact = TaskContext(name="SciFact", type="Retrieval")
    assert resolve_instruction(str(path), scifact, "query") == "claim: "
    assert resolve_instruction(str(path), scifact, "document") == "abstract: "
    assert (
        resolve_instruction(str(path), TaskContext(name="STS12", type="STS"), "query") == "same? "
    )
    assert (
        resolve_instruction(str(path), TaskContext(name="Other", type="Retrieval"), "document")
        == "Q: "
    )
    assert resolve_instruction(str(path), scifact, None) is None  # symmetric not in applies_to


def test_an_override_reaches_a_remote_adapter(tmp_path, monkeypatch) -> None:
    from embedboard.models.registry import get_card, load_adapter

    path = tmp_path / "override.yaml"
    path.write_text("applies_to: [query]\ndefault: 'Find: '\n", encoding="utf-8")
    model = load_adapter(get_card("seed1.5-embedding"), instructions=str(path), show_progress=False)
    assert model.instruction_for(TaskContext(name="ArguAna", type="Retrieval"), "query") == "Find: "
    assert model.instruction_for(TaskContext(name="STS12", type="STS"), None) is None


def test_a_broken_user_file_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("applies_to: [queries]\n", encoding="utf-8")
    with pytest.raises(EmbedboardError, match="applies_to"):
        load_table(str(path))
    with pytest.raises(EmbedboardError, match="does not exist"):
        load_table(str(tmp_path / "missing.json"))

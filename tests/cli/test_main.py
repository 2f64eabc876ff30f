"""The CLI package: one module per verb, registered by main.py, with no import circle."""

from __future__ import annotations

import ast
from pathlib import Path

from embedboard.cli import main

CLI = Path(main.__file__).parent


def _imports(path: Path) -> set[str]:
    """The embedboard.cli modules a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "embedboard.cli":
                found |= {f"embedboard.cli.{alias.name}" for alias in node.names}
            elif node.module.startswith("embedboard.cli."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("embedboard.cli.")}
    return found


def test_no_import_circles_and_no_verb_imports_main():
    graph = {
        f"embedboard.cli.{p.stem}": _imports(p) for p in CLI.glob("*.py") if p.stem != "__init__"
    }
    for module, imported in graph.items():
        if module not in {"embedboard.cli.main", "embedboard.cli.__main__"}:
            assert "embedboard.cli.main" not in imported, module

    def visit(module: str, path: tuple[str, ...]) -> None:
        for target in graph.get(module, ()):
            assert target not in path, " -> ".join((*path, module, target))
            visit(target, (*path, module))

    for module in graph:
        visit(module, ())


def test_every_verb_module_registers_its_verbs():
    commands = {name for verb in main.VERBS for name in _registered(verb)}
    assert {
        "eval",
        "plan",
        "models",
        "cards",
        "suites",
        "data",
        "probe",
        "report",
        "regress",
    } <= commands


def _registered(verb) -> set[str]:  # noqa: ANN001
    import argparse

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    verb.register(sub)
    return set(sub.choices)

"""Model cards from the user's own folders: `--cards DIR` (repeatable) and `EMBEDBOARD_CARDS`.

A user adds a model without editing the package: a YAML file holding one card (a mapping)
or several (a list), in any folder named by `--cards` or by `EMBEDBOARD_CARDS` (folders
separated by `os.pathsep`). A user card with a packaged card's name replaces it for that
run. Every problem names the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.card_schema import check_card

ENV_VAR = "EMBEDBOARD_CARDS"
_cli_dirs: list[Path] = []


def set_card_dirs(dirs: list[str] | None) -> None:
    """Folders given with --cards, searched before EMBEDBOARD_CARDS."""
    _cli_dirs[:] = [Path(d).expanduser() for d in dirs or []]


def card_dirs() -> list[Path]:
    from_env = [
        Path(p).expanduser() for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()
    ]
    dirs = _cli_dirs + from_env
    for folder in dirs:
        if not folder.is_dir():
            where = "--cards" if folder in _cli_dirs else ENV_VAR
            raise EmbedboardError(
                f"Card folder {folder} (from {where}) does not exist or is not a folder."
            )
    return dirs


def read_card_file(path: str | Path) -> tuple[list[ModelCard], list[str]]:
    """The cards in one YAML file and any warnings; an error naming the file and the fix."""
    from embedboard.models.registry import ADAPTERS

    path = Path(path)
    if not path.is_file():
        raise EmbedboardError(f"Card file {path} does not exist.")
    try:
        loaded: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or type(err).__name__
        raise EmbedboardError(f"Card file {path}: YAML syntax error{where}: {problem}.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise EmbedboardError(f"Card file {path} cannot be read: {err}.") from None
    entries = loaded if isinstance(loaded, list) else [loaded] if isinstance(loaded, dict) else None
    if entries is None:
        raise EmbedboardError(
            f"Card file {path} must hold one card (a mapping) or a list of cards."
        )
    cards: list[ModelCard] = []
    warnings: list[str] = []
    for entry in entries:
        errors, notes = check_card(entry, sorted(ADAPTERS))
        if errors:
            raise EmbedboardError(
                f"Card file {path}: " + "; ".join(errors) + ". See docs/cards.md."
            )
        warnings += [f"{path}: {note}" for note in notes]
        cards.append(ModelCard.from_dict(entry))
    return cards, warnings


def load_user_cards() -> dict[str, tuple[ModelCard, Path]]:
    """Every user card by name, with the file it came from; a name twice among them is an error."""
    found: dict[str, tuple[ModelCard, Path]] = {}
    for folder in card_dirs():
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            for card in read_card_file(path)[0]:
                if card.name in found:
                    raise EmbedboardError(
                        f"Model card '{card.name}' is defined in both {found[card.name][1]} and {path}; rename one."
                    )
                found[card.name] = (card, path)
    return found

"""`embedboard models` and `embedboard cards ls|validate`: which models there are, and whether a
card file is valid (no torch import)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("models", help="list registered models (no torch import)")
    p.set_defaults(func=cmd_models)

    p = subparsers.add_parser("cards", help="list model cards, or validate a card file")
    sub = p.add_subparsers(dest="cards_command", required=True)
    ls = sub.add_parser("ls", help="every card: packaged and from --cards / EMBEDBOARD_CARDS")
    ls.add_argument(
        "--cards",
        action="append",
        metavar="DIR",
        help="folder of your own model cards (repeatable)",
    )
    ls.set_defaults(func=cmd_cards_ls)
    validate = sub.add_parser(
        "validate", help="check a card file: fields, types, adapter (docs/cards.md)"
    )
    validate.add_argument("files", nargs="+", metavar="FILE")
    validate.set_defaults(func=cmd_cards_validate)


def _print_table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def cmd_models(args: argparse.Namespace) -> int:
    from embedboard.models.registry import load_cards

    rows = [("name", "adapter", "dim", "pooling", "instructions", "source")]
    for card in load_cards().values():
        rows.append(
            (
                card.name,
                card.adapter,
                str(card.dim or "?"),
                card.pooling or "-",
                card.instructions or "-",
                card.source,
            )
        )
    _print_table(rows)
    return 0


def cmd_cards_ls(args: argparse.Namespace) -> int:
    from embedboard.models.registry import CARDS_DIR, load_cards
    from embedboard.models.user_cards import load_user_cards, set_card_dirs

    set_card_dirs(args.cards)
    rows = [("name", "adapter", "dim", "source", "card file")]
    user = load_user_cards()
    for card in load_cards().values():
        if card.name not in user:
            rows.append(
                (
                    card.name,
                    card.adapter,
                    str(card.dim or "?"),
                    card.source,
                    f"(package) {CARDS_DIR.name}/",
                )
            )
    for card, path in user.values():
        rows.append((card.name, card.adapter, str(card.dim or "?"), card.source, str(path)))
    _print_table(rows)
    return 0


def cmd_cards_validate(args: argparse.Namespace) -> int:
    from embedboard.models.user_cards import read_card_file

    for path in args.files:
        cards, warnings = read_card_file(path)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{path}: {len(cards)} card(s) valid: {', '.join(c.name for c in cards)}")
    return 0

"""CLI parts for models without editing the package: `cards ls|validate`, `probe`, and the
eval flags for user card folders and card-less OpenAI-compatible servers."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from embedboard.errors import EmbedboardError


def add_model_source_args(p: argparse.ArgumentParser) -> None:
    """--cards and the card-less server flags, shared by eval and probe."""
    p.add_argument(
        "--cards",
        action="append",
        metavar="DIR",
        help="folder of your own model cards (*.yaml; repeatable; also EMBEDBOARD_CARDS=DIR1:DIR2)",
    )
    p.add_argument(
        "--api-model",
        help="model name served at --api-base: evaluate an OpenAI-compatible server with no card",
    )
    p.add_argument(
        "--api-key-env",
        metavar="VAR",
        help="environment variable holding the server's key (default: none sent)",
    )
    p.add_argument(
        "--dim",
        type=int,
        help="the served model's dimension (default: learnt from the first response)",
    )
    p.add_argument(
        "--api-tokenizer",
        metavar="ID_OR_DIR",
        help="the served model's tokenizer (hub id or local folder) for exact token counts and cuts at --max-length",
    )


def add_commands(subparsers: Any) -> None:
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

    p = subparsers.add_parser(
        "probe",
        help="compare a backend's vectors with a reference model on a fixed sample of real texts",
        description="Encode 48 fixed real texts with --model (or --api-base/--api-model) and with --against, "
        "and report min cosine and max |delta|; exit 2 below the threshold (the card's probe_min_cosine).",
    )
    p.add_argument(
        "--model",
        help="the model to check (card name, hub id, folder); or use --api-base/--api-model",
    )
    p.add_argument("--against", help="the reference (default: the card's options.probe_reference)")
    p.add_argument("--api-base", help="base URL of an OpenAI-compatible server")
    p.add_argument(
        "--min-cosine",
        type=float,
        help="threshold (default: the card's probe_min_cosine, else 0.999)",
    )
    p.add_argument("--max-length", type=int, help="maximum input tokens (default: the card's)")
    p.add_argument("--device", default="auto", help="device for a local model (default auto)")
    add_model_source_args(p)
    p.set_defaults(func=cmd_probe)


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
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_cards_validate(args: argparse.Namespace) -> int:
    from embedboard.models.user_cards import read_card_file

    for path in args.files:
        cards, warnings = read_card_file(path)
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{path}: {len(cards)} card(s) valid: {', '.join(c.name for c in cards)}")
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from embedboard.models.card_lookup import card_from_args
    from embedboard.models.probe import compare

    card = card_from_args(args)
    reference_name = args.against or card.options.get("probe_reference")
    if not reference_name:
        raise EmbedboardError(
            f"Say what to compare {card.name} with: --against MODEL (or the card's options.probe_reference)."
        )
    result = compare(
        _load(card, args), _load_reference(reference_name, args), min_cosine=args.min_cosine
    )
    print(result.line())
    if not result.passed:
        raise EmbedboardError(
            f"{card.name} does not reproduce {reference_name} (min cosine {result.min_cosine:.7f} < "
            f"{result.min_cosine_required:g}); check the server's pooling, normalisation, dtype and truncation."
        )
    return 0


def auto_probe(args: argparse.Namespace, card: Any) -> None:
    """Before a remote run whose card names a local reference: probe, and refuse below the threshold."""
    reference_name = card.options.get("probe_reference")
    if not reference_name:
        return
    from embedboard.models.probe import compare, refuse_unless_passed

    result = compare(_load(card, args), _load_reference(reference_name, args))
    print(result.line())
    refuse_unless_passed(result)


def _load(card: Any, args: argparse.Namespace) -> Any:
    from embedboard.models.registry import load_adapter

    return load_adapter(
        card,
        device=getattr(args, "device", "auto"),
        cache_dir=None,
        show_progress=False,
        api_base=getattr(args, "api_base", None),
    )


def _load_reference(name: str, args: argparse.Namespace) -> Any:
    from embedboard.models.card_lookup import find_card
    from embedboard.models.registry import load_adapter

    card = find_card(name, max_length=getattr(args, "max_length", None))
    return load_adapter(
        card, device=getattr(args, "device", "auto"), cache_dir=None, show_progress=False
    )

"""`embedboard probe`: compare a backend's vectors with a reference model on fixed real texts.

It names its model with the same options (and the same resolver) as `eval` and `plan`;
`auto_probe` is what `eval` runs before a remote model whose card names a local reference.
"""

from __future__ import annotations

import argparse
from typing import Any

from embedboard.cli.options import model_options
from embedboard.cli.request import model_request, resolve_card
from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard
from embedboard.models.model_request import ModelRequest
from embedboard.models.protocol import ChunkedEncoder


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "probe",
        parents=[model_options()],
        help="compare a backend's vectors with a reference model on a fixed sample of real texts",
        description="Encode 48 fixed real texts with --model (or --api-base/--api-model) and with --against, "
        "and report min cosine and max |delta|; exit 2 below the threshold (the card's probe_min_cosine).",
    )
    p.add_argument("--against", help="the reference (default: the card's options.probe_reference)")
    p.add_argument(
        "--min-cosine",
        type=float,
        help="threshold (default: the card's probe_min_cosine, else 0.999)",
    )
    p.set_defaults(func=cmd_probe)


def cmd_probe(args: argparse.Namespace) -> int:
    from embedboard.models.probe import compare

    request = model_request(args)
    card = resolve_card(request)
    reference_name = args.against or card.options.get("probe_reference")
    if not reference_name:
        raise EmbedboardError(
            f"Say what to compare {card.name} with: --against MODEL (or the card's options.probe_reference)."
        )
    result = compare(
        _load(card, request),
        _load_reference(reference_name, request),
        min_cosine=args.min_cosine,
    )
    print(result.line())
    if not result.passed:
        raise EmbedboardError(
            f"{card.name} does not reproduce {reference_name} (min cosine {result.min_cosine:.7f} < "
            f"{result.min_cosine_required:g}); check the server's pooling, normalisation, dtype and truncation."
        )
    return 0


def auto_probe(request: ModelRequest, card: ModelCard) -> None:
    """Before a remote run whose card names a local reference: probe, and refuse below the threshold."""
    reference_name = card.options.get("probe_reference")
    if not reference_name:
        return
    from embedboard.models.probe import compare, refuse_unless_passed

    result = compare(_load(card, request), _load_reference(reference_name, request))
    print(result.line())
    refuse_unless_passed(result)


def _load(card: ModelCard, request: ModelRequest) -> ChunkedEncoder:
    from embedboard.models.registry import load_adapter

    return load_adapter(
        card,
        device=request.device,
        cache_dir=None,
        show_progress=False,
        api_base=request.api_base,
    )


def _load_reference(name: str, request: ModelRequest) -> ChunkedEncoder:
    from embedboard.models.card_lookup import find_card
    from embedboard.models.registry import load_adapter

    card = find_card(name, max_length=request.max_length)
    return load_adapter(card, device=request.device, cache_dir=None, show_progress=False)

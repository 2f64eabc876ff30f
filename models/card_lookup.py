"""Find the card for what the user typed: user cards, packaged cards, folders, hub ids, servers.

Order: a card from `--cards`/`EMBEDBOARD_CARDS` (it may replace a packaged one), then the
registry (packaged cards, checkpoint folders, hub ids named by a card), then a hub id with
no card (run as sentence-transformers). `--api-base` with `--api-model` needs no card at all.
"""

from __future__ import annotations

from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.models.adhoc_cards import card_for_api, card_for_hub_id, looks_like_hub_id
from embedboard.models.card import ModelCard
from embedboard.models.user_cards import load_user_cards, set_card_dirs


def find_card(name: str, **overrides: Any) -> ModelCard:
    """The card for `name` with CLI overrides (None values ignored) applied."""
    from embedboard.models import registry

    overrides = {k: v for k, v in overrides.items() if v is not None}
    user = load_user_cards()
    if name in user:
        card = user[name][0]
        return card.replace(**overrides) if overrides else card
    try:
        card = registry.get_card(name, **overrides)
    except EmbedboardError as err:
        if not str(err).startswith("Unknown model") or not looks_like_hub_id(name):
            raise
        card = card_for_hub_id(name)
        return card.replace(**overrides) if overrides else card
    if (
        registry._looks_like_path(name)
        and name not in registry.load_cards()
        and card.adapter == "sentence-transformers"
    ):
        card = card.replace(options={**card.options, "announce": True})
    return card


def card_from_args(args: Any) -> ModelCard:
    """The eval/probe card from parsed CLI arguments (--model, or --api-base with --api-model)."""
    set_card_dirs(getattr(args, "cards", None))
    api_model = getattr(args, "api_model", None)
    if api_model:
        if not getattr(args, "api_base", None):
            raise EmbedboardError(
                "--api-model needs --api-base URL (the server's OpenAI-compatible base, e.g. http://127.0.0.1:8000/v1)."
            )
        return card_for_api(
            args.api_base,
            api_model,
            api_key_env=getattr(args, "api_key_env", None),
            dim=getattr(args, "dim", None),
            name=getattr(args, "model", None),
            max_length=getattr(args, "max_length", None),
            tokenizer=getattr(args, "api_tokenizer", None),
        )
    if not getattr(args, "model", None):
        raise EmbedboardError(
            "Say which model: --model NAME (see `embedboard cards ls`), or --api-base URL --api-model NAME."
        )
    card = find_card(
        args.model,
        dtype=getattr(args, "dtype", None),
        pooling=getattr(args, "pooling", None),
        max_length=getattr(args, "max_length", None),
    )
    if getattr(args, "api_key_env", None) or getattr(args, "dim", None):
        options = {
            **card.options,
            **({"api_key_env": args.api_key_env} if getattr(args, "api_key_env", None) else {}),
        }
        card = card.replace(
            options=options, **({"dim": args.dim} if getattr(args, "dim", None) else {})
        )
    return card

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
from embedboard.models.model_request import ModelRequest
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


def card_for_request(request: ModelRequest) -> ModelCard:
    """The card every model-naming verb runs: `--model`, or `--api-base` with `--api-model`."""
    set_card_dirs(list(request.cards) or None)
    if request.api_model:
        if not request.api_base:
            raise EmbedboardError(
                "--api-model needs --api-base URL (the server's OpenAI-compatible base, e.g. http://127.0.0.1:8000/v1)."
            )
        return card_for_api(
            request.api_base,
            request.api_model,
            api_key_env=request.api_key_env,
            dim=request.dim,
            name=request.model,
            max_length=request.max_length,
            tokenizer=request.api_tokenizer,
        )
    if not request.model:
        raise EmbedboardError(
            "Say which model: --model NAME (see `embedboard cards ls`), or --api-base URL --api-model NAME."
        )
    card = find_card(
        request.model,
        dtype=request.dtype,
        pooling=request.pooling,
        max_length=request.max_length,
    )
    if request.api_key_env or request.dim:
        options = {
            **card.options,
            **({"api_key_env": request.api_key_env} if request.api_key_env else {}),
        }
        card = card.replace(options=options, **({"dim": request.dim} if request.dim else {}))
    return card

"""Cards made on the spot for models nobody wrote a card for.

- a hub id (`--model intfloat/e5-small-v2`): a sentence-transformers model, run with what its
  own configuration says (modules.json, pooling, max_seq_length, prompts are *not* applied
  unless an instruction table is given). The run says in one line which pooling and
  instructions it used, because nothing else would tell the user.
- an OpenAI-compatible server given by flags alone (`--api-base URL --api-model NAME
  [--api-key-env VAR] [--dim N]`): the dimension is learnt from the first response when not given.
"""

from __future__ import annotations

import re
import sys
from typing import Any
from urllib.parse import urlsplit

from embedboard.errors import EmbedboardError
from embedboard.models.card import ModelCard

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def looks_like_hub_id(name: str) -> bool:
    return bool(_HUB_ID.match(name)) and ".." not in name


def card_for_hub_id(name: str, revision: str | None = None) -> ModelCard:
    """A sentence-transformers card for a hub model without a card (pooling from its own config)."""
    return ModelCard(
        name=name,
        adapter="sentence-transformers",
        source=name,
        hub_id=name,
        revision=revision,
        options={"announce": True},
        description=f"hub model {name} without a card: run as sentence-transformers with its own configuration",
    )


def card_for_api(
    api_base: str,
    api_model: str,
    *,
    api_key_env: str | None = None,
    dim: int | None = None,
    name: str | None = None,
    max_length: int | None = None,
    tokenizer: str | None = None,
) -> ModelCard:
    """A card for an OpenAI-compatible server given by flags alone.

    Results go under `<served model name>/served-<host>_<port>`: the same model served and run
    locally must not share a result folder, or one would be skipped as already done.
    """
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EmbedboardError(
            f"--api-base must be an http(s) URL such as http://127.0.0.1:8000/v1, got {api_base!r}."
        )
    if dim is not None and dim <= 0:
        raise EmbedboardError(f"--dim must be positive, got {dim}.")
    hub_id = (
        api_model
        if looks_like_hub_id(api_model)
        else f"served/{_SAFE.sub('-', api_model).strip('-.') or 'model'}"
    )
    options: dict[str, Any] = {"api_base": api_base.rstrip("/")}
    if api_key_env:
        options["api_key_env"] = api_key_env
    if tokenizer:
        options["tokenizer"] = tokenizer
    return ModelCard(
        name=name or api_model,
        adapter="openai",
        source=api_model,
        hub_id=hub_id,
        revision="served-" + _SAFE.sub("_", parts.netloc).strip("_."),
        max_length=max_length,
        dim=dim,
        batch_size=32,
        options=options,
        description=f"{api_model} served at {api_base}",
    )


def announce(card: ModelCard, model: Any) -> None:
    """One line naming the pooling and instructions a card-less sentence-transformers model runs with."""
    if not card.options.get("announce"):
        return
    pooling = "unknown"
    for module in model:  # SentenceTransformer is a Sequential of modules
        mode = getattr(module, "pooling_mode", None)  # sentence-transformers >= 5
        if mode is None and hasattr(module, "get_pooling_mode_str"):
            mode = module.get_pooling_mode_str()
        if isinstance(mode, str):
            pooling = mode
    prompts = sorted(k for k, v in (getattr(model, "prompts", {}) or {}).items() if v)
    instructions = card.instructions or "none (pass --instructions TABLE_OR_FILE to add some)"
    extra = f"; the model defines prompts {prompts} that are not applied" if prompts else ""
    normalise = any(type(m).__name__ == "Normalize" for m in model)
    print(
        f"{card.name}: no card, run as sentence-transformers with its own config: pooling {pooling}, "
        f"max_seq_length {model.max_seq_length}, normalised {'by the model' if normalise else 'by embedboard'}, "
        f"instructions {instructions}{extra}",
        file=sys.stderr,
    )

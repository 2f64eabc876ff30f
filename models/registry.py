"""Model registry: cards are data files in `models/cards/`, adapters are imported only when used.

Listing models (`embedboard models`) reads YAML and never imports torch, the way
lm-evaluation-harness registers its backends by "module:attr" strings.
"""

from __future__ import annotations

import importlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError, unknown_name_error
from embedboard.models.card import ModelCard
from embedboard.models.protocol import ChunkedEncoder
from embedboard.yaml_files import read_yaml

CARDS_DIR = Path(__file__).with_name("cards")

# adapter name -> "module:factory". A factory takes (card, **runtime options) and returns an Encoder.
ADAPTERS: dict[str, str] = {
    "sentence-transformers": "embedboard.models.sentence_transformers_adapter:SentenceTransformerAdapter",
    "hf": "embedboard.models.hf_adapter:HFAdapter",
    "openai": "embedboard.models.openai_adapter:OpenAICompatibleAdapter",
    "ark-text": "embedboard.models.ark_adapter:ArkTextAdapter",
    "ark-multimodal": "embedboard.models.ark_adapter:ArkMultimodalAdapter",
}


def register_adapter(name: str, target: str) -> None:
    """Make an adapter available by name; `target` is "module:attr"."""
    ADAPTERS[name] = target


@lru_cache(maxsize=1)
def load_cards() -> dict[str, ModelCard]:
    """Every card under models/cards/, keyed by name. Duplicate names are an error."""
    cards: dict[str, ModelCard] = {}
    for path in sorted(CARDS_DIR.glob("*.yaml")):
        entries = read_yaml(path, "Model card file") or []
        if not isinstance(entries, list):
            raise EmbedboardError(f"{path} must hold a list of model cards.")
        for entry in entries:
            card = ModelCard.from_dict(entry, origin=str(path))
            if card.name in cards:
                raise EmbedboardError(
                    f"Model card '{card.name}' is defined twice (again in {path})."
                )
            cards[card.name] = card
    return cards


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or Path(name).expanduser().exists()


def card_for_checkpoint(
    path: str, pooling: str | None = None, max_length: int | None = None
) -> ModelCard:
    """A card for a local checkpoint folder: the CI-on-a-new-checkpoint case.

    A folder with `modules.json` is a sentence-transformers model and brings its own pooling;
    any other folder is a plain transformers model and needs `--pooling`.
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise EmbedboardError(f"Checkpoint folder {folder} does not exist.")
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        raise EmbedboardError(
            f"{folder} has neither config.json nor modules.json; is it a model checkpoint?"
        )
    from embedboard.models.torch_runtime import check_no_lfs_pointers

    check_no_lfs_pointers(folder)  # before reading its JSON: a pointer is not a config
    is_sentence_transformers = (folder / "modules.json").exists()
    declared = _st_pooling(folder) if is_sentence_transformers else None
    if is_sentence_transformers and pooling is not None and pooling != declared:
        raise _pooling_refused(str(folder), pooling, declared)
    if not is_sentence_transformers and pooling is None:
        raise EmbedboardError(
            f"{folder} is a plain transformers checkpoint: say how to pool with "
            "--pooling cls|mean|last-token."
        )
    from embedboard.models.fingerprint import checkpoint_revision

    return ModelCard(
        name=folder.name,
        adapter="sentence-transformers" if is_sentence_transformers else "hf",
        source=str(folder),
        hub_id=f"local/{folder.name}",
        revision=checkpoint_revision(folder),
        max_length=max_length or _st_max_length(folder),
        pooling=pooling or declared,  # type: ignore[arg-type]
        description=f"local checkpoint {folder}",
    )


def _st_max_length(folder: Path) -> int | None:
    config = folder / "sentence_bert_config.json"
    if config.exists():
        return json.loads(config.read_text()).get("max_seq_length")
    return None


def _st_pooling(folder: Path) -> str | None:
    """Read the pooling mode a sentence-transformers checkpoint declares (1_Pooling/config.json)."""
    for config in folder.glob("*Pooling*/config.json"):
        settings = json.loads(config.read_text())
        mode = str(settings.get("pooling_mode", "")).lower().replace("_", "").replace("-", "")
        if mode:  # sentence-transformers >= 5 writes one "pooling_mode" string
            return {
                "cls": "cls",
                "mean": "mean",
                "meantokens": "mean",
                "lasttoken": "last-token",
            }.get(mode)
        if settings.get("pooling_mode_cls_token"):
            return "cls"
        if settings.get("pooling_mode_lasttoken"):
            return "last-token"
        if settings.get("pooling_mode_mean_tokens"):
            return "mean"
    return None


def _pooling_refused(model: str, requested: str, declared: str | None) -> EmbedboardError:
    return EmbedboardError(
        f"--pooling {requested} cannot be applied to {model}: its adapter brings its own pooling "
        f"({declared or 'not declared'}), so the vectors would not be {requested}-pooled. Drop --pooling, "
        "or pass a plain transformers folder (config.json, no modules.json) to choose the pooling."
    )


# Adapters that pool token states themselves and so honour a card's (or --pooling's) choice.
POOLING_ADAPTERS = {"hf"}


def get_card(name: str, **overrides: Any) -> ModelCard:
    """The card for a registered name, or a card built for a checkpoint folder."""
    overrides = {k: v for k, v in overrides.items() if v is not None}
    cards = load_cards()
    if name in cards:
        card = cards[name]
    elif _looks_like_path(name):
        card = card_for_checkpoint(
            name, overrides.pop("pooling", None), overrides.pop("max_length", None)
        )
    else:
        by_hub_id = {c.hub_id: c for c in cards.values() if c.hub_id}
        if name in by_hub_id:
            card = by_hub_id[name]
        else:
            raise unknown_name_error("model", name, cards, "embedboard models")
    pooling = overrides.get("pooling")
    if pooling is not None and card.adapter not in POOLING_ADAPTERS and pooling != card.pooling:
        # Recording a pooling the adapter never applies would be a wrong record of a right score.
        raise _pooling_refused(card.name, pooling, card.pooling)
    return card.replace(**overrides) if overrides else card


def _factory(card: ModelCard) -> Any:
    target = ADAPTERS.get(card.adapter)
    if target is None:
        raise unknown_name_error("adapter", card.adapter, ADAPTERS, "embedboard models")
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)


def load_adapter(card: ModelCard, **runtime: Any) -> ChunkedEncoder:
    """Instantiate the card's adapter (imports torch etc. only now)."""
    return _factory(card)(card, **runtime)


def preflight_adapter(card: ModelCard, **runtime: Any) -> list[str]:
    """The adapter's own checks before loading (device, weights, API key); returns what it
    will fetch from the hub. Adapters without a `preflight` classmethod check nothing early."""
    check = getattr(_factory(card), "preflight", None)
    return list(check(card, **runtime) or []) if check is not None else []

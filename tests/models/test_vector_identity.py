"""What changes a vector is said once (`models.vector_identity`): the embedding cache key and the
settings fingerprint of a result read it from there, so the two can no longer disagree."""

from __future__ import annotations

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.base import CardSettings
from embedboard.models.card import ModelCard
from embedboard.models.embedding_cache import cache_namespace
from embedboard.models.protocol import TaskContext
from embedboard.models.vector_identity import VECTOR_CARD_FIELDS, vector_identity
from embedboard.runners.store.reuse import check_reuse, legacy_settings, settings_fingerprint

CARD = ModelCard(
    name="m",
    adapter="openai",
    source="served",
    hub_id="org/m",
    dim=8,
    options={"api_base": "http://127.0.0.1:1/v1", "runtime_concurrency": 2},
)
TASK = TaskContext(name="STS16", type="STS")


def _fingerprint(card: ModelCard) -> dict:
    return settings_fingerprint(
        CardSettings(card, None), TASK, dim=None, data="local:x", sides=("symmetric",)
    )


def _card_part(settings: dict) -> dict:
    return {k: v for k, v in settings.items() if k in VECTOR_CARD_FIELDS or k.startswith("option.")}


@pytest.mark.parametrize(
    "change",
    [
        {"revision": "abc"},
        {"pooling": "mean"},
        {"max_length": 64},
        {"dtype": "bf16"},
        {"normalize": False},
        {"source": "other"},
        {"options": {**CARD.options, "api_base": "http://127.0.0.1:2/v1"}},
    ],
)
def test_what_changes_a_vector_changes_both_the_cache_key_and_the_fingerprint(change):
    other = CARD.replace(**change)
    assert cache_namespace(other) != cache_namespace(CARD)
    assert _card_part(_fingerprint(other)) != _card_part(_fingerprint(CARD))


@pytest.mark.parametrize(
    "change",
    [
        {"hub_id": "org/renamed"},  # the result folder's name, not the weights
        {"batch_size": 7},
        {"description": "x"},
        {"options": {**CARD.options, "runtime_concurrency": 9, "runtime_timeout_s": 1}},
    ],
)
def test_what_never_changes_a_vector_changes_neither(change):
    other = CARD.replace(**change)
    assert cache_namespace(other) == cache_namespace(CARD)
    assert _fingerprint(other) == _fingerprint(CARD)


def test_the_fingerprint_holds_exactly_the_vector_identity():
    identity = vector_identity(CARD)
    options = identity.pop("options")
    expected = {**identity, **{f"option.{k}": v for k, v in options.items()}}
    assert _card_part(_fingerprint(CARD)) == expected
    assert "option.runtime_concurrency" not in _fingerprint(CARD)


def test_an_older_run_record_is_compared_on_the_same_fields():
    """A record from before fingerprints holds the card: the same identity is read from it."""
    record = {"card": CARD.to_dict(), "dim": 8}
    assert _card_part(legacy_settings(record)) == _card_part(_fingerprint(CARD))
    changed = {"card": CARD.replace(max_length=64).to_dict(), "dim": 8}
    with pytest.raises(EmbedboardError, match=r"max_length: None -> 64|max_length: 64 -> None"):
        check_reuse(changed, _fingerprint(CARD), label="STS16", where="x")

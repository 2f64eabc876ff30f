"""Fixtures for the remote-adapter tests: a live fake API on 127.0.0.1 and adapters pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from embedboard.models.registry import get_card, load_adapter
from tests.support.fake_api import FAST_RETRIES, SECRET
from tests.support.fake_embedding_server import FakeEmbeddingServer


@pytest.fixture
def server() -> Iterator[FakeEmbeddingServer]:
    with FakeEmbeddingServer(api_key=SECRET, lifetime_s=120) as running:
        yield running


@pytest.fixture
def api_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ARK_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    return SECRET


@pytest.fixture
def make_adapter(server: FakeEmbeddingServer, api_env: str):  # noqa: ANN201
    """make_adapter("seed1.5-embedding", retry_policy=..., **card_changes) -> adapter on the fake server."""

    def make(name: str, *, card_changes: dict[str, Any] | None = None, **runtime: Any) -> Any:
        card = get_card(name)
        if card_changes:
            card = card.replace(**card_changes)
        runtime.setdefault("retry_policy", FAST_RETRIES)
        runtime.setdefault("show_progress", False)
        return load_adapter(card, api_base=server.url, **runtime)

    return make

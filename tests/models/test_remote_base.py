"""Remote vectors belong to the server that made them (issue 12, must-haves 5 and 9).

Pointing the same card at a second server (here: a second fake) re-used the first server's
cached vectors and sent no request, while the record named the second server; a response
whose components overflow the float32 norm was cached as zero vectors.
"""

from __future__ import annotations

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import get_card, load_adapter
from tests.support.fake_api import FAST_RETRIES, SECRET
from tests.support.fake_embedding_server import FakeEmbeddingServer

TASK = TaskContext(name="STS16", type="STS")
TEXTS = ["a man plays", "the dog eats food", "red car"]


def test_another_api_base_is_another_cache_entry_and_recorded(make_adapter, server, tmp_path):
    cache = str(tmp_path / "cache")
    first = make_adapter("text-embedding-3-small", cache_dir=cache)
    first.encode(TEXTS, TASK)
    assert first.card.options["api_base"] == server.url
    with FakeEmbeddingServer(api_key=SECRET, lifetime_s=60) as other:
        second = load_adapter(
            get_card("text-embedding-3-small"),
            api_base=other.url,
            cache_dir=cache,
            retry_policy=FAST_RETRIES,
            show_progress=False,
        )
        second.encode(TEXTS, TASK)
        assert len(other.ok_requests()) == 1 and second.stats.cache_hits == 0
        assert second.card.options["api_base"] == other.url  # what the run record's card holds
        assert second.cache.path != first.cache.path
    again = make_adapter("text-embedding-3-small", cache_dir=cache)
    again.encode(TEXTS, TASK)
    assert again.stats.cache_hits == len(TEXTS)  # the first server's vectors still serve it


def test_a_norm_overflow_is_an_error_naming_model_and_server(make_adapter, server, tmp_path):
    model = make_adapter("text-embedding-3-small", cache_dir=str(tmp_path / "cache"))
    server.inject("overflow")
    with pytest.raises(EmbedboardError) as err:
        model.encode(TEXTS, TASK)
    assert "text-embedding-3-small" in str(err.value) and server.url in str(err.value)
    assert len(model.cache) == 0  # nothing reached the cache

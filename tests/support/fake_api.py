"""Settings for adapters pointed at the fake embedding server (tests/support/fake_embedding_server)."""

from __future__ import annotations

from embedboard.models.api_client import RetryPolicy
from tests.support.fake_embedding_server import TEST_KEY

SECRET = TEST_KEY
# Milliseconds instead of seconds: the tests exercise every retry path without waiting.
FAST_RETRIES = RetryPolicy(max_retries=3, backoff_base_s=0.001, backoff_max_s=0.01, timeout_s=5.0)

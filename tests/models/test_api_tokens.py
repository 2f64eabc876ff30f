"""Token counting, truncation and batch planning for remote APIs (no server needed)."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests

from embedboard.errors import EmbedboardError
from embedboard.models.api_client import RetryPolicy, _retry_after
from embedboard.models.api_tokens import TokenCounter, plan_batches


def test_the_estimate_overcounts_and_truncates_on_character_boundaries() -> None:
    counter = TokenCounter(None, bytes_per_token=2.0)
    assert not counter.exact and counter.description == "estimate:2_bytes_per_token"
    assert counter.count("abcd") == 2 and counter.count("中文") == 3  # 6 UTF-8 bytes
    assert counter.truncate("short", 10) == ("short", False)
    cut, was_cut = counter.truncate("中文中文中文", 4)  # 8 bytes allowed: two whole characters
    assert was_cut and cut == "中文"
    assert counter.count(cut) <= 4


def test_a_missing_tiktoken_falls_back_to_the_declared_estimate_only() -> None:
    counter = TokenCounter("tiktoken:no-such-encoding-anywhere", bytes_per_token=2.0)
    assert not counter.exact and counter.count("abcdef") == 3
    undeclared = TokenCounter("tiktoken:no-such-encoding-anywhere", bytes_per_token=None)
    assert not undeclared.can_truncate and undeclared.description == "none:server_limits_inputs"
    assert undeclared.truncate("x" * 10_000, 5) == ("x" * 10_000, False)  # never cut on a guess


def test_a_named_tokenizer_that_cannot_load_is_an_error_naming_the_fix(tmp_path) -> None:
    with pytest.raises(EmbedboardError, match="Cannot load the tokenizer.*local folder"):
        TokenCounter(str(tmp_path / "no-such-folder"), None)


def test_the_served_models_own_tokenizer_counts_and_cuts_exactly() -> None:
    from transformers import AutoTokenizer

    from embedboard.models.api_tokens import _packaged_folder

    counter = TokenCounter(
        "sentence-transformers/all-MiniLM-L6-v2", None
    )  # the packaged offline copy
    reference = AutoTokenizer.from_pretrained(
        _packaged_folder("sentence-transformers/all-MiniLM-L6-v2")
    )
    text = "Mitochondrial biogenesis is regulated by PGC-1alpha in skeletal muscle. " * 40
    assert counter.exact and counter.description.startswith("hf:")
    assert counter.count(text) == len(reference(text)["input_ids"])
    cut, was_cut = counter.truncate(text, 256)
    assert (
        was_cut and text.startswith(cut) and counter.count(cut) == 256
    )  # the original text, cut at a token
    assert (
        reference(cut)["input_ids"] == reference(text, truncation=True, max_length=256)["input_ids"]
    )


def test_batches_respect_count_and_token_budgets() -> None:
    assert plan_batches([1] * 7, max_count=3, max_tokens=None) == [[0, 1, 2], [3, 4, 5], [6]]
    assert plan_batches([5, 5, 5, 1, 1], max_count=10, max_tokens=10) == [[0, 1], [2, 3, 4]]
    assert plan_batches([50, 1], max_count=10, max_tokens=10) == [[0], [1]]  # oversized input alone
    assert plan_batches([], max_count=3, max_tokens=10) == []
    with pytest.raises(ValueError):
        plan_batches([1], max_count=0, max_tokens=None)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(backoff_base_s=1.0, backoff_max_s=8.0)
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 8.0)]:
        waits = [policy.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1  # jittered


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [
        ("3", 3, 3),
        ("0.25", 0.25, 0.25),
        ("99999", 120, 120),
        ("soon", None, None),
        (None, None, None),
    ],
)
def test_retry_after_values(header, low, high) -> None:
    response = requests.Response()
    if header is not None:
        response.headers["Retry-After"] = header
    value = _retry_after(response)
    assert value == low if low is None else low <= value <= high


def test_retry_after_as_an_http_date() -> None:
    response = requests.Response()
    response.headers["Retry-After"] = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= _retry_after(response) <= 31

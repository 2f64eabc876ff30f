"""The shared API client against a live fake server: retries, faults, budgets, concurrency, secrecy."""

from __future__ import annotations

import logging
import time
import traceback

import numpy as np
import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.api_client import ApiClient, RetryPolicy
from embedboard.models.protocol import TaskContext
from embedboard.models.remote_base import to_bfloat16
from tests.support.fake_embedding_server import TEST_KEY as SECRET
from tests.support.fake_embedding_server import fake_vector

STS = TaskContext(name="STS12", type="STS")
TEXTS = ["a cat sat on the mat", "a dog ran in the park", "stock markets fell sharply"]


def expected(texts: list[str], instruction: str) -> np.ndarray:
    raw = np.stack(
        [fake_vector("doubao-embedding-large-text-250515", instruction + t, 2048) for t in texts]
    )
    cast = to_bfloat16(raw.astype(np.float32))
    return cast / np.linalg.norm(cast, axis=1, keepdims=True)


def seed(make_adapter, **runtime):  # noqa: ANN001, ANN201
    model = make_adapter("seed1.5-embedding", **runtime)
    return model, model.instruction_for(STS, None)


@pytest.mark.parametrize("fault", ["500", "truncated_json", "nan", "zero", "reset"])
def test_each_fault_is_retried_and_the_result_is_exact(server, make_adapter, fault) -> None:
    model, instruction = seed(make_adapter)
    server.inject(fault, times=2)
    vectors = model.encode(TEXTS, STS, None)
    np.testing.assert_allclose(vectors, expected(TEXTS, instruction), rtol=0, atol=1e-6)
    assert model.stats.extra["requests"] == 3
    assert model.stats.extra["retries"] == 2
    assert [entry["fault"] for entry in server.log] == [fault, fault, None]


def test_429_honours_retry_after(server, make_adapter) -> None:
    model, _ = seed(make_adapter)
    server.inject("429", retry_after=0.4)
    started = time.monotonic()
    model.encode(TEXTS, STS, None)
    # The backoff alone would wait ~1 ms; only Retry-After explains the pause.
    assert time.monotonic() - started >= 0.4
    assert model.stats.extra["retries"] == 1


def test_a_response_slower_than_the_timeout_is_retried(server, make_adapter) -> None:
    policy = RetryPolicy(max_retries=2, backoff_base_s=0.001, timeout_s=0.3)
    model, instruction = seed(make_adapter, retry_policy=policy)
    server.inject("slow", seconds=1.5)
    vectors = model.encode(TEXTS, STS, None)
    np.testing.assert_allclose(vectors, expected(TEXTS, instruction), atol=1e-6)
    assert model.stats.extra["retries"] == 1


def test_persistent_malformed_responses_raise_a_clear_error(server, make_adapter) -> None:
    model, _ = seed(make_adapter)
    server.inject("nan", times=10)
    with pytest.raises(EmbedboardError, match=r"after 4 attempts.*NaN"):
        model.encode(TEXTS, STS, None)
    assert len(server.log) == 4  # max_retries=3: bounded, no loop
    assert model.cache is None or len(model.cache) == 0


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("wrong_count", r"sent 3 inputs, got 2 embeddings"),
        ("wrong_dim", r"dimension 2047, but 2048 were expected.*Fix the card or --dim"),
        ("bool_component", r"non-number \(bool True\)"),
        ("too_long", r"HTTP 400.*options.tokenizer.*truncate_prompt_tokens"),
    ],
)
def test_answers_that_asking_again_cannot_fix_stop_at_the_first(
    server, make_adapter, fault, words
) -> None:
    model, _ = seed(make_adapter)
    server.inject(fault, times=10)
    with pytest.raises(EmbedboardError, match=words) as caught:
        model.encode(TEXTS, STS, None)
    message = str(caught.value)
    assert (
        server.url in message and "doubao-embedding-large-text-250515" in message
    )  # server and model named
    assert "\n" not in message and len(server.log) == 1  # one line, first occurrence, no retry
    assert model.stats.extra["retries"] == 0


def test_each_request_has_its_own_retry_budget(server, make_adapter) -> None:
    # Two batches, each failing 3 times: a shared counter (max 3) would give up; per-request budgets don't.
    model, _ = seed(make_adapter, batch_size=2, concurrency=1)
    server.inject("500", times=3)
    model.encode(["one", "two", "three", "four"], STS, None)
    server.inject("500", times=3)
    model.encode(["five", "six", "seven", "eight"], STS, None)
    assert model.stats.extra["retries"] == 6
    assert len(server.ok_requests()) == 4


def test_concurrency_is_bounded(server, make_adapter) -> None:
    model, _ = seed(make_adapter, batch_size=1, concurrency=2)
    server.inject("slow", times=6, seconds=0.2)
    model.encode([f"text number {i}" for i in range(6)], STS, None)
    assert server.max_in_flight == 2
    assert model.stats.extra["requests"] == 6


def test_rejected_requests_are_not_retried(server, make_adapter, monkeypatch) -> None:
    monkeypatch.setenv("ARK_API_KEY", "wrong-key")
    model, _ = seed(make_adapter)
    with pytest.raises(EmbedboardError, match="HTTP 401.*key variable"):
        model.encode(TEXTS, STS, None)
    assert len(server.log) == 1


def test_a_missing_key_names_the_variable(server, make_adapter, monkeypatch) -> None:
    monkeypatch.delenv("ARK_API_KEY")
    model, _ = seed(make_adapter)
    with pytest.raises(EmbedboardError, match="ARK_API_KEY"):
        model.encode(TEXTS, STS, None)
    assert server.log == []


def test_the_key_never_reaches_errors_reprs_or_logs(server, make_adapter, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    model, _ = seed(make_adapter)
    server.inject("500", times=2)
    server.inject("reset", times=10)
    with pytest.raises(EmbedboardError) as caught:
        model.encode(TEXTS, STS, None)
    rendered = "".join(traceback.format_exception(caught.value))
    assert caught.value.__cause__ is None
    for text in (
        rendered,
        repr(caught.value),
        repr(model),
        repr(model.client()),
        caplog.text,
        str(model.stats.as_dict()),
    ):
        assert SECRET not in text
    assert "retry" in caplog.text  # the retries were logged, without the key


def test_the_client_scrubs_a_key_echoed_by_the_server(server) -> None:
    client = ApiClient(url=server.url + "/embeddings", api_key=SECRET)
    server.inject("echo_auth")
    with pytest.raises(EmbedboardError) as caught:
        client.post({"model": "text-embedding-3-small", "input": ["x"]}, parse=lambda body: body)
    assert "HTTP 400" in str(caught.value) and "Bearer ***" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in repr(client)


def test_when_one_request_gives_up_its_siblings_stop_retrying(server, make_adapter) -> None:
    model, _ = seed(make_adapter, batch_size=1, concurrency=4)
    # Three requests are told to come back in 30 s; the fourth is refused outright.
    server.inject("429", times=3, retry_after=30)
    server.inject("echo_auth")
    started = time.monotonic()
    with pytest.raises(EmbedboardError, match="HTTP 400"):
        model.encode(["one", "two", "three", "four"], STS, None)
    time.sleep(0.3)
    assert time.monotonic() - started < 5  # nobody sat out the 30 s
    assert len(server.log) == 4  # and nobody came back


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", " \t"])
def test_a_key_read_from_a_crlf_file_is_stripped_and_works(
    server, make_adapter, monkeypatch, ending
) -> None:
    monkeypatch.setenv("ARK_API_KEY", SECRET + ending)
    model, instruction = seed(make_adapter)
    np.testing.assert_allclose(
        model.encode(TEXTS, STS, None), expected(TEXTS, instruction), atol=1e-6
    )


def test_a_key_with_an_inner_control_character_is_refused_without_printing_it(
    server, make_adapter, monkeypatch
) -> None:
    monkeypatch.setenv("ARK_API_KEY", SECRET[:10] + "\r" + SECRET[10:])
    model, _ = seed(make_adapter)
    with pytest.raises(
        EmbedboardError, match=r"ARK_API_KEY has an invalid character at position 11"
    ) as caught:
        model.encode(TEXTS, STS, None)
    assert SECRET[:10] not in str(caught.value) and SECRET[10:] not in str(caught.value)
    assert server.log == []


def test_every_spelling_of_the_key_is_scrubbed() -> None:
    import json
    import urllib.parse

    from embedboard.models.api_keys import scrub

    raw = SECRET + "\r\n"
    # requests' InvalidHeader message prints the header value escaped: 'Bearer <key>\r\n'
    for leaked in (raw, repr(f"Bearer {raw}"), json.dumps(raw), urllib.parse.quote(raw), SECRET):
        cleaned = scrub(f"error: {leaked} end", raw)
        assert SECRET not in cleaned and "***" in cleaned

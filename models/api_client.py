"""The one HTTP client every remote embedding adapter shares.

It owns what a rate-limited, sometimes flaky API needs and nothing about any vendor's
wire format: bounded concurrency, retries with exponential backoff and jitter on 429, 5xx,
timeouts and dropped connections (honouring `Retry-After`), a retry budget per request
(one bad batch cannot use up another's), and re-asking when a response is malformed.
The adapter passes a `parse` function that turns a JSON body into a result or raises
`MalformedResponse`.

The API key lives in one private attribute. It is sent in the Authorization header and
nowhere else: messages are built from status codes and response snippets, scrubbed of
the key, and raised `from None` so no library exception (which may carry the request)
is chained onto ours.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from embedboard.errors import EmbedboardError
from embedboard.models.api_keys import clean_api_key, scrub

logger = logging.getLogger(__name__)

T = TypeVar("T")
# Request timeout, lock timeout, rate limit, and every 5xx: the statuses the official
# openai-python client retries (`_should_retry` in its `_base_client.py`).
RETRY_STATUSES = frozenset({408, 409, 429})
_RETRYABLE_EXCEPTIONS = (
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,  # includes resets and refused connections
    requests.exceptions.ChunkedEncodingError,  # the server closed mid-body
)
# A server asking for a longer pause than this is treated as asking for this long.
MAX_RETRY_AFTER_S = 120.0


class MalformedResponse(Exception):
    """A 200 response we cannot use this time (bad JSON, NaN, a zero vector): ask again."""


class WrongResponse(Exception):
    """A 200 response that asking again cannot fix (wrong count, wrong dimension, non-numbers).

    The message says what was wrong and how to fix it; the client adds server and model.
    """


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request. Tests shrink `backoff_base_s` to milliseconds."""

    max_retries: int = 6
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    timeout_s: float = 120.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random, so threads spread out."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * (2**attempt))
        return ceiling / 2 + random.uniform(0, ceiling / 2)


@dataclass
class _Failure:
    reason: str
    retry_after: float | None = None


@dataclass
class ApiClient:
    """POSTs JSON to one endpoint with retries; `map` runs many requests at bounded concurrency."""

    url: str
    # None: a self-hosted server without authentication (no Authorization header is sent).
    api_key: str | None = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    concurrency: int = 4
    extra_headers: dict[str, str] = field(default_factory=dict)
    # Counter sink: record("requests", 1). The adapter points it at its run statistics.
    record: Callable[[str, float], None] = field(default=lambda name, amount: None, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    # Set when one request of a `map` gives up, so its siblings stop retrying a lost cause.
    _abort: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise EmbedboardError(f"API concurrency must be at least 1, got {self.concurrency}.")
        if self.api_key is not None:
            self.api_key = clean_api_key(self.api_key, "the API key variable")
            if not self.api_key:
                raise EmbedboardError("The API key is empty.")

    def __repr__(self) -> str:  # dataclass repr hides the key already; keep headers out too
        return f"ApiClient(url={self.url!r}, concurrency={self.concurrency}, policy={self.policy})"

    # ---- one request ---------------------------------------------------------------------
    def post(self, payload: dict[str, Any], parse: Callable[[Any], T]) -> T:
        """Send one request, retrying within its own budget, and return `parse(json_body)`."""
        last: _Failure | None = None
        for attempt in range(self.policy.max_retries + 1):
            if attempt:
                pause = (
                    last.retry_after
                    if last and last.retry_after is not None
                    else self.policy.backoff(attempt - 1)
                )
                self.record("retries", 1)
                reason = last.reason if last else "?"
                logger.warning(
                    self._scrub(
                        f"POST {self.url}: {reason}; retry {attempt}/{self.policy.max_retries} in {pause:.2f}s"
                    )
                )
                if self._abort.wait(pause):  # sleeps `pause`, or wakes when a sibling gave up
                    raise EmbedboardError(
                        "Stopped retrying: another request of this batch already gave up."
                    )
            outcome = self._attempt(payload, parse)
            if not isinstance(outcome, _Failure):
                return outcome
            last = outcome
        raise EmbedboardError(
            self._scrub(
                f"POST {self.url} failed after {self.policy.max_retries + 1} attempts; last problem: "
                f"{last.reason if last else '?'} ({_model_of(payload)}). Check the service status and your rate limits, "
                "then re-run: finished batches are cached and will not be requested again."
            )
        )

    def _attempt(self, payload: dict[str, Any], parse: Callable[[Any], T]) -> T | _Failure:
        self.record("requests", 1)
        try:
            response = self._session().post(self.url, json=payload, timeout=self.policy.timeout_s)
        except _RETRYABLE_EXCEPTIONS as err:
            return _Failure(f"{type(err).__name__} ({self._scrub(str(err))[:200]})")
        except requests.exceptions.RequestException as err:
            raise EmbedboardError(
                self._scrub(f"POST {self.url} could not be sent: {type(err).__name__}: {err}")
            ) from None
        if response.status_code in RETRY_STATUSES or response.status_code >= 500:
            return _Failure(f"HTTP {response.status_code}", _retry_after(response))
        if response.status_code >= 400:
            snippet = response.text[:300]
            raise EmbedboardError(
                self._scrub(
                    f"POST {self.url} ({_model_of(payload)}) was refused with HTTP {response.status_code}: "
                    f"{snippet!r}. " + _hint(response.status_code, snippet)
                )
            )
        try:
            body = json.loads(response.content)
        except ValueError as err:
            return _Failure(f"malformed JSON ({err})")
        try:
            return parse(body)
        except MalformedResponse as err:
            return _Failure(f"malformed response ({self._scrub(str(err))[:300]})")
        except WrongResponse as err:  # asking again gives the same answer: stop at once
            raise EmbedboardError(
                self._scrub(f"{self.url} ({_model_of(payload)}): {err}")
            ) from None

    # ---- many requests ---------------------------------------------------------------------
    def map(
        self, payloads: Sequence[dict[str, Any]], parse: Sequence[Callable[[Any], T]]
    ) -> list[T]:
        """`post` every payload with at most `concurrency` in flight; results in payload order.

        The first request that gives up cancels the ones not yet started and is re-raised.
        """
        if len(payloads) != len(parse):
            raise ValueError("one parse function per payload")
        if self.concurrency == 1 or len(payloads) <= 1:
            return [self.post(p, f) for p, f in zip(payloads, parse, strict=True)]
        results: list[Any] = [None] * len(payloads)
        self._abort.clear()
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="embed-api")
        try:
            futures = {
                pool.submit(self.post, p, f): i
                for i, (p, f) in enumerate(zip(payloads, parse, strict=True))
            }
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            for future in done:
                if future.exception() is not None:
                    raise future.exception()  # type: ignore[misc]
            for future, index in futures.items():
                results[index] = future.result()
        finally:
            # On an error or Ctrl-C: drop the requests not yet started, and wake the retrying ones
            # so they stop instead of finishing their budgets (threads are joined at exit).
            self._abort.set()
            pool.shutdown(wait=False, cancel_futures=True)
        return results

    # ---- helpers -----------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        """One session (connection pool) per worker thread; sessions are not thread-safe."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            auth = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            session.headers.update(
                {**auth, "Content-Type": "application/json", **self.extra_headers}
            )
            self._local.session = session
        return session

    def _scrub(self, text: str) -> str:
        return scrub(text, self.api_key) if self.api_key else text


def _retry_after(response: requests.Response) -> float | None:
    """`Retry-After` in seconds (a number or an HTTP date), or None when absent or unreadable."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _model_of(payload: dict[str, Any]) -> str:
    model = payload.get("model") if isinstance(payload, dict) else None
    return f"model {model!r}" if model else "no model name sent"


_LENGTH_WORDS = (
    "too long",
    "maximum context",
    "max_length",
    "maximum length",
    "token",
    "exceed",
    "truncat",
)


def _hint(status: int, body: str = "") -> str:
    """The fix for a refused request; none of these is retried."""
    if status in (401, 403):
        return "Check that the key variable named in the model card (or --api-key-env) holds a valid key for this server."
    if status == 404:
        return (
            "The server does not know this path or model: check --api-base (it must end where "
            "/embeddings is served, e.g. http://host:8000/v1 for vLLM) and the model name "
            "(--api-model or the card's source; the server lists its names at /v1/models or /models)."
        )
    if status in (400, 413, 422) and any(word in body.lower() for word in _LENGTH_WORDS):
        return (
            "An input is longer than the server accepts: name the served model's tokenizer in the card "
            "(options.tokenizer, a hub id or local folder) with max_length, or let the server cut inputs "
            "with options.request_fields (vLLM: {truncate_prompt_tokens: N}; TEI: {truncate: true})."
        )
    return "The request itself was rejected; this is not retried."

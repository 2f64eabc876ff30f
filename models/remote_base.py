"""What every remote (HTTP API) adapter shares: settings from the card, truncation, batching,
the shared `ApiClient`, response checks, bf16 casting, normalisation and cost counters.

A vendor adapter only says what one request looks like (`build_payload`) and how to read
one response (`read_response`). Card options read here (`runtime_*` ones tune the calls and
stay out of the embedding cache key, see `models.embedding_cache.cache_namespace`):

    api_base, endpoint, api_key_env, extra_headers   where and how to call (no api_key_env: no key sent)
    cast: bf16                                       round returned floats to bfloat16 first
    tokenizer, bytes_per_token                       token counting for truncation (api_tokens)
    truncation: client | server                      who cuts inputs at max_length (default client)
    request_fields                                   extra JSON fields in every request
                                                     (vLLM truncate_prompt_tokens, TEI truncate)
    runtime_concurrency, runtime_max_batch_tokens, runtime_timeout_s,
    runtime_max_retries, runtime_backoff_base_s, runtime_price_per_1k_tokens_usd
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.api_client import ApiClient, MalformedResponse, RetryPolicy, WrongResponse
from embedboard.models.api_keys import read_api_key
from embedboard.models.api_tokens import TokenCounter, plan_batches
from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.protocol import EncoderInput


def to_bfloat16(values: np.ndarray) -> np.ndarray:
    """Round float32 values to the nearest bfloat16 (ties to even), returned as float32.

    Bit-for-bit what `torch.tensor(values).to(torch.bfloat16)` gives, without importing torch:
    keep the top 16 bits of each float32 after adding half an ulp of the bf16 grid.
    """
    as_float = np.ascontiguousarray(values, dtype=np.float32)
    bits = as_float.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    # NaN must stay NaN (the rounding could carry a NaN payload into inf); the caller rejects NaN anyway.
    return np.where(np.isnan(as_float), as_float, out)


class RemoteEmbeddingModel(EmbeddingModel):
    """Base of the API adapters: `embed` = truncate, batch, send through the shared client, check."""

    default_endpoint = "/embeddings"
    # Inputs per request the API accepts at most (the multimodal API takes one).
    max_inputs_per_request: int | None = None

    def __init__(
        self,
        card: ModelCard,
        *,
        api_base: str | None = None,
        batch_size: int | None = None,
        concurrency: int | None = None,
        retry_policy: RetryPolicy | None = None,
        device: Any = None,  # accepted for a uniform adapter signature; APIs have no device
        **kwargs: Any,
    ) -> None:
        # The server actually called goes into the card, so the embedding cache key and the run
        # record both name it: two servers (say fp32 and bf16) never share cached vectors.
        served_at = (api_base or card.options.get("api_base") or "").rstrip("/")
        if served_at:
            card = card.replace(options={**card.options, "api_base": served_at})
        super().__init__(card, **kwargs)
        options = card.options
        self.api_base = served_at
        if not self.api_base:
            raise EmbedboardError(
                f"Model card {card.name} has no options.api_base; add it or pass --api-base."
            )
        self.url = self.api_base + options.get("endpoint", self.default_endpoint)
        self.batch_size = min(batch_size or card.batch_size, self.max_inputs_per_request or 10**9)
        self.max_batch_tokens = options.get("runtime_max_batch_tokens")
        self.concurrency = int(concurrency or options.get("runtime_concurrency", 4))
        self.policy = retry_policy or RetryPolicy(
            max_retries=int(options.get("runtime_max_retries", 6)),
            backoff_base_s=float(options.get("runtime_backoff_base_s", 1.0)),
            timeout_s=float(options.get("runtime_timeout_s", 120.0)),
        )
        self.price_per_1k = options.get("runtime_price_per_1k_tokens_usd")
        declared = options.get("bytes_per_token")
        self.tokens = TokenCounter(
            options.get("tokenizer"),
            float(declared) if declared is not None else None,
            model=card.source,
        )
        self.truncation = str(options.get("truncation", "client"))
        if self.truncation not in ("client", "server"):
            raise EmbedboardError(
                f"Model card {card.name}: options.truncation must be client or server, got {self.truncation!r}."
            )
        self.request_fields = dict(options.get("request_fields") or {})
        # None until the first response when neither the card nor --dim says (then it is learnt).
        self.response_dim = int(options.get("dimensions") or card.dim or 0) or None
        self.server_info: dict[str, Any] | None = None
        self._client: ApiClient | None = None
        self._stats_lock = threading.Lock()
        self._seed_counters()

    @classmethod
    def preflight(cls, card: ModelCard, *, api_base: str | None = None, **_: Any) -> list[str]:
        """An API needs a base URL and a key: say so before any data loads."""
        if not (api_base or card.options.get("api_base")):
            raise EmbedboardError(
                f"Model card {card.name} has no options.api_base; add it or pass --api-base."
            )
        variable = card.options.get("api_key_env")
        if variable:  # self-hosted servers often take no key; a card that names one needs it
            read_api_key(variable, card.name)
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(card={self.card.name!r}, url={self.url!r})"

    # ---- vendor specifics -----------------------------------------------------------------
    def build_payload(self, batch: list[EncoderInput]) -> dict[str, Any]:
        raise NotImplementedError

    def read_response(self, body: Any, expected: int) -> tuple[list[Any], int | None]:
        """(one embedding per input, in input order; prompt tokens the API billed, if it says)."""
        raise NotImplementedError

    def text_of(self, item: EncoderInput) -> str:
        """The part of an input that counts against the token limit."""
        return (
            item
            if isinstance(item, str)
            else str(item.get("instruction") or "") + str(item.get("text") or "")
        )

    def truncated(self, item: EncoderInput, max_tokens: int) -> EncoderInput:
        if isinstance(item, str):
            return self.tokens.truncate(item, max_tokens)[0]
        return item  # multimodal adapters override

    def payload_for(self, batch: list[EncoderInput]) -> dict[str, Any]:
        """The vendor payload plus the card's `request_fields` (server-side truncation and the like)."""
        return {**self.build_payload(batch), **self.request_fields}

    # ---- the shared machinery ---------------------------------------------------------------
    def reset_stats(self):  # noqa: ANN201 -- EncodeStats
        previous = super().reset_stats()
        self._seed_counters()
        return previous

    def _seed_counters(self) -> None:
        """Zeros up front, so a fully cached task's run record says "0 requests" rather than nothing."""
        counters = ("requests", "retries", "input_tokens", "server_reported_tokens")
        counters += ("estimated_cost_usd",) if self.price_per_1k is not None else ()
        for name in counters:
            self.stats.extra.setdefault(name, 0)
        self.stats.extra["token_counter"] = self.tokens.description
        self.stats.extra["truncation_by"] = self._truncation_by()
        if not self.tokens.exact and (self.truncation == "server" or not self.tokens.can_truncate):
            self.stats.extra["truncated"] = (
                None  # the server may cut; without its tokenizer we cannot say how often
            )
        if self.server_info is not None:
            self.stats.extra["server"] = self.server_info

    def _truncation_by(self) -> str:
        if self.truncation == "server" or not self.tokens.can_truncate:
            return "server" + ("" if self.tokens.exact else " (count unknown: no exact tokenizer)")
        return f"client ({self.tokens.description})"

    def input_lengths(self, items: list[EncoderInput]) -> tuple[list[int], bool]:
        # With an exact tokenizer the base class counts inputs over max_length as truncated,
        # which is exactly the set cut below or by the server; estimates are counted in `embed`.
        return [self.tokens.count(self.text_of(item)) for item in items], self.tokens.exact

    def client(self) -> ApiClient:
        """Created on first use, so a fully cached run needs no key at all."""
        if self._client is None:
            variable = self.card.options.get("api_key_env")
            key = read_api_key(variable, self.card.name) if variable else None
            self._fetch_server_info(key)
            self._client = ApiClient(
                url=self.url,
                api_key=key,
                policy=self.policy,
                concurrency=self.concurrency,
                extra_headers=dict(self.card.options.get("extra_headers") or {}),
                record=self._count,
            )
        return self._client

    def _fetch_server_info(self, key: str | None) -> None:
        """Best-effort provenance for self-hosted servers (not for the vendors' public APIs)."""
        if self.server_info is None and not self.card.options.get("vendor_api"):
            from embedboard.models.server_info import fetch_server_info  # noqa: PLC0415

            self.server_info = fetch_server_info(self.api_base, key)
            self.stats.extra["server"] = self.server_info

    def embed(self, inputs: list[EncoderInput]) -> np.ndarray:
        limit = self.card.max_length
        cut_here = bool(limit) and self.truncation == "client" and self.tokens.can_truncate
        ready = [self.truncated(item, limit) for item in inputs] if cut_here else list(inputs)
        counts = [self.tokens.count(self.text_of(item)) for item in ready]
        if cut_here and not self.tokens.exact:  # estimates: the base class could not count these
            self.stats.truncated += sum(
                1 for a, b in zip(inputs, ready, strict=True) if a is not b and a != b
            )
        if limit and self.tokens.exact:  # what the model actually reads, whoever cuts
            counts = [min(n, limit) for n in counts]
        batches = plan_batches(counts, self.batch_size, self.max_batch_tokens)
        client = self.client()
        payloads = [self.payload_for([ready[i] for i in batch]) for batch in batches]
        parsers = [self._parser(len(batch), sum(counts[i] for i in batch)) for batch in batches]
        vectors = np.concatenate(client.map(payloads, parsers), axis=0)
        return self.postprocess(vectors)

    def postprocess(self, vectors: np.ndarray) -> np.ndarray:
        """Vendor-recommended cast, then unit length (the cache keeps these full-size vectors;
        smaller MRL dims are sliced from them and renormalised by `models.mrl`)."""
        if self.card.options.get("cast") == "bf16":
            vectors = to_bfloat16(vectors)
        if self.card.normalize:
            with np.errstate(over="ignore"):  # an overflow is reported below, as an error
                norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            bad = ~np.isfinite(norms[:, 0]) | (norms[:, 0] == 0)
            if (
                bad.any()
            ):  # float32 norms overflow for components near 1e20: v / inf would be a zero vector
                largest = float(np.abs(vectors[bad]).max())
                raise EmbedboardError(
                    f"{self.card.name} at {self.api_base} returned {int(bad.sum())} vector(s) that cannot be "
                    f"normalised in float32 (largest component {largest:.3g}); the server's output is broken."
                )
            vectors = vectors / norms
        return vectors.astype(np.float32, copy=False)

    def _parser(self, expected: int, counted_tokens: int):  # noqa: ANN202
        def parse(body: Any) -> np.ndarray:
            embeddings, billed = self.read_response(body, expected)
            vectors = self.check_vectors(embeddings, expected)
            self.advance_progress(expected)  # per answered request, not per chunk of 256+
            # Our own count (exact with a tokenizer); what the server calls tokens is kept apart
            # (Infinity, for one, reports characters).
            self._count("input_tokens", counted_tokens)
            if billed is not None:
                self._count("server_reported_tokens", billed)
            served = body.get("model") if isinstance(body, dict) else None
            if isinstance(served, str):
                self._count("served_model", served)
            if self.price_per_1k is not None:
                tokens = billed if billed is not None else counted_tokens
                self._count("estimated_cost_usd", tokens / 1000 * float(self.price_per_1k))
            return vectors

        return parse

    def check_vectors(self, embeddings: list[Any], expected: int) -> np.ndarray:
        """Refuse what must never reach the cache: a short batch, a wrong size, non-numbers, NaN, zeros.

        A wrong count, a wrong dimension or a non-number is the server's configuration, not a
        hiccup: `WrongResponse` stops the run at once with the fix. NaN and zero vectors are asked again.
        """
        if not isinstance(embeddings, list) or len(embeddings) != expected:
            got = len(embeddings) if isinstance(embeddings, list) else type(embeddings).__name__
            raise WrongResponse(
                f"sent {expected} inputs, got {got} embeddings back; the server must return one vector per "
                "input (check that it serves an embedding model, and lower --batch-size if it caps inputs per request)."
            )
        for row in embeddings:
            if not isinstance(row, list) or not all(
                type(v) is float or type(v) is int for v in row
            ):
                bad = next(
                    (
                        v
                        for v in (row if isinstance(row, list) else [row])
                        if type(v) not in (float, int)
                    ),
                    row,
                )
                raise WrongResponse(
                    f"an embedding holds a non-number ({type(bad).__name__} {str(bad)[:20]}); only JSON numbers "
                    "are vector components. The server is not speaking the OpenAI embeddings format."
                )
        lengths = {len(row) for row in embeddings}
        if len(lengths) > 1:
            raise WrongResponse(f"embeddings of one response differ in length ({sorted(lengths)}).")
        got_dim = lengths.pop() if lengths else 0
        with self._stats_lock:
            if self.response_dim is None and got_dim:
                self.response_dim = got_dim  # learnt from the first response
                self._card = self._card.replace(dim=got_dim)
        if got_dim != self.response_dim:
            raise WrongResponse(
                f"returned vectors of dimension {got_dim}, but {self.response_dim} were expected "
                f"(model card {self.card.name}: dim/options.dimensions, or --dim). Fix the card or --dim, "
                "or point --api-base at the server that serves this model."
            )
        vectors = np.asarray(embeddings, dtype=np.float64).astype(np.float32)
        if not np.isfinite(vectors).all():
            raise MalformedResponse("embeddings contain NaN or inf")
        if (np.abs(vectors).max(axis=1) == 0).any():
            raise MalformedResponse("an embedding is all zeros")
        return vectors

    def _count(self, name: str, amount: Any) -> None:
        with self._stats_lock:
            extra = self.stats.extra
            if isinstance(amount, str):
                extra[name] = amount
            else:
                extra[name] = round(extra.get(name, 0) + amount, 10)

"""Token counting, truncation and request batching for remote embedding APIs.

APIs limit inputs by *tokens* of the vendor's tokenizer, so the client truncates by tokens,
not characters. When the card names a tokenizer we can load offline (tiktoken's
`cl100k_base`, which mteb's own Seed wrappers use) counts are exact; otherwise we fall back
to a documented, conservative estimate so an over-long input is cut rather than rejected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

logger = logging.getLogger(__name__)

# cl100k-style BPE tokens cover about 4 bytes of English and 2.5-3 bytes of Chinese UTF-8
# text; assuming 2 bytes per token over-counts almost all natural text, so truncating at
# `max_tokens * 2` bytes keeps inputs under the limit (at the cost of cutting some a bit early).
DEFAULT_BYTES_PER_TOKEN = 2.0


class TokenCounter:
    """Counts and truncates texts by tokens: exactly with a tokenizer, else by a byte estimate."""

    def __init__(self, tokenizer: str | None = None, bytes_per_token: float = DEFAULT_BYTES_PER_TOKEN) -> None:
        if bytes_per_token <= 0:
            raise ValueError("bytes_per_token must be positive")
        self.bytes_per_token = bytes_per_token
        self._encoding = _load_tiktoken(tokenizer) if tokenizer else None
        self.exact = self._encoding is not None
        self.description = f"tiktoken:{tokenizer}" if self.exact else f"estimate:{bytes_per_token:g}_bytes_per_token"

    def count(self, text: str) -> int:
        if self._encoding is not None:
            return len(self._encoding.encode(text, disallowed_special=()))
        return math.ceil(len(text.encode("utf-8")) / self.bytes_per_token)

    def truncate(self, text: str, max_tokens: int) -> tuple[str, bool]:
        """The text cut to at most `max_tokens` tokens, and whether it was cut."""
        if self._encoding is not None:
            tokens = self._encoding.encode(text, disallowed_special=())
            if len(tokens) <= max_tokens:
                return text, False
            return self._encoding.decode(tokens[:max_tokens]), True
        encoded = text.encode("utf-8")
        budget = int(max_tokens * self.bytes_per_token)
        if len(encoded) <= budget:
            return text, False
        # errors="ignore" drops a multi-byte character split at the cut instead of mangling it.
        return encoded[:budget].decode("utf-8", errors="ignore"), True


def _load_tiktoken(name: str) -> object | None:
    """A tiktoken encoding if tiktoken is installed and has the file cached; None otherwise."""
    try:
        import tiktoken  # noqa: PLC0415 -- optional dependency
    except ImportError:
        logger.info("tiktoken is not installed; counting tokens by the %s-bytes estimate.", DEFAULT_BYTES_PER_TOKEN)
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception as err:  # noqa: BLE001 -- offline download failures come in many types
        logger.warning("Tokenizer %s is not available offline (%s); using the byte estimate.", name, type(err).__name__)
        return None


def plan_batches(token_counts: Sequence[int], max_count: int, max_tokens: int | None) -> list[list[int]]:
    """Split input positions into consecutive batches bounded by count and by total tokens.

    An input larger than the token budget on its own still gets a batch of its own:
    it has already been truncated to the model's per-input limit.
    """
    if max_count < 1:
        raise ValueError("max_count must be at least 1")
    batches: list[list[int]] = []
    current: list[int] = []
    current_tokens = 0
    for position, tokens in enumerate(token_counts):
        over_budget = max_tokens is not None and current and current_tokens + tokens > max_tokens
        if len(current) >= max_count or over_budget:
            batches.append(current)
            current, current_tokens = [], 0
        current.append(position)
        current_tokens += tokens
    if current:
        batches.append(current)
    return batches

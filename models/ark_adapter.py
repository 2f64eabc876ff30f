"""ByteDance Seed embeddings through Volcengine Ark: Seed1.5 (text) and Seed1.6 (multimodal).

Seed1.5-Embedding, `POST {api_base}/embeddings` (Volcengine doc 82379/1302003, "文本向量化 API"):
    request   {"model", "input": [str, ...] (no empty strings, each <= 100,000 UTF-8 bytes),
               "encoding_format": "float" | "base64"}
    response  {"id", "model", "created", "object": "list",
               "data": [{"index", "embedding": [float, ...], "object": "embedding"}],
               "usage": {"prompt_tokens", "total_tokens"}}
That is OpenAI's format, so the text adapter reuses the OpenAI one. Like the model's own
usage code (mteb `seed_models.py`), the returned floats are cast to bfloat16 (card option
`cast: bf16`) and then normalised; smaller MRL dims are slices of that vector.

Seed1.6-Embedding, `POST {api_base}/embeddings/multimodal` (Volcengine doc 82379/1409290,
"图文向量化 API"; BytePlus ModelArk doc 1409290): one request embeds ONE input, which may
combine a text and an image into a single vector:
    request   {"model", "input": [{"type": "text", "text": str},
                                  {"type": "image_url", "image_url": {"url": URL or data URL}}],
               "encoding_format": "float", "dimensions"?: 1024 | 2048}
    response  {"id", "model", "created", "object": "list",
               "data": {"embedding": [float, ...], "object": "embedding"}, "usage": {...}}
An image is given as a file path, an http(s)/data URL, or raw bytes; paths and bytes are
sent as `data:image/<format>;base64,...` as the docs require (format matching the bytes).
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

from embedboard.errors import EmbedboardError
from embedboard.models.api_client import MalformedResponse
from embedboard.models.openai_adapter import OpenAICompatibleAdapter, _prompt_tokens
from embedboard.models.protocol import EncoderInput
from embedboard.models.remote_base import RemoteEmbeddingModel

# Magic numbers of the image formats the multimodal API lists.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)


class ArkTextAdapter(OpenAICompatibleAdapter):
    """Seed1.5-Embedding: Ark's text embeddings endpoint (OpenAI-compatible wire format)."""

    default_endpoint = "/embeddings"
    # Ark's text API reference caps one request at 256 texts.
    max_inputs_per_request = 256


class ArkMultimodalAdapter(RemoteEmbeddingModel):
    """Seed1.6-Embedding: text and image inputs, one input per request, many requests in flight."""

    default_endpoint = "/embeddings/multimodal"
    max_inputs_per_request = 1

    def build_payload(self, batch: list[EncoderInput]) -> dict[str, Any]:
        (item,) = batch
        payload: dict[str, Any] = {
            "model": self.card.source,
            "input": content_items(item),
            "encoding_format": "float",
        }
        if self.card.options.get("dimensions"):
            payload["dimensions"] = int(self.card.options["dimensions"])
        return payload

    def read_response(self, body: Any, expected: int) -> tuple[list[Any], int | None]:
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(data, list):  # tolerate a list-shaped `data` of one entry
            data = data[0] if len(data) == 1 else None
        if not isinstance(data, dict) or "embedding" not in data:
            raise MalformedResponse("the response has no `data.embedding`")
        return [data["embedding"]], _prompt_tokens(body)

    def truncated(self, item: EncoderInput, max_tokens: int) -> EncoderInput:
        if isinstance(item, str):
            return self.tokens.truncate(item, max_tokens)[0]
        text = self.text_of(item)
        cut, was_cut = self.tokens.truncate(text, max_tokens)
        if not was_cut:
            return item
        trimmed = {k: v for k, v in item.items() if k not in ("instruction", "text")}
        return {**trimmed, "text": cut}


def content_items(item: EncoderInput) -> list[dict[str, Any]]:
    """The API's content list for one input: optional image first, then the text (instruction + text)."""
    if isinstance(item, str):
        return [{"type": "text", "text": item if item else " "}]
    unknown = set(item) - {"image", "text", "instruction"}
    if unknown:
        raise EmbedboardError(
            f"Multimodal inputs take keys image, text, instruction; got also {sorted(unknown)}."
        )
    items: list[dict[str, Any]] = []
    if item.get("image") is not None:
        items.append({"type": "image_url", "image_url": {"url": image_url(item["image"])}})
    text = str(item.get("instruction") or "") + str(item.get("text") or "")
    if text or not items:
        items.append({"type": "text", "text": text or " "})
    return items


def image_url(image: str | bytes | bytearray | Path) -> str:
    """An http(s) or data URL as given; a file path or raw bytes as a base64 data URL."""
    if isinstance(image, (bytes, bytearray)):
        return _data_url(bytes(image), None)
    text = str(image)
    if text.startswith(("http://", "https://", "data:")):
        return text
    path = Path(text).expanduser()
    if not path.is_file():
        raise EmbedboardError(
            f"Image {path} does not exist; give a file path, an http(s) URL or bytes."
        )
    return _data_url(path.read_bytes(), path.name)


def _data_url(payload: bytes, filename: str | None) -> str:
    kind = next((fmt for magic, fmt in _SIGNATURES if payload.startswith(magic)), None)
    if kind is None and payload[:4] == b"RIFF" and payload[8:12] == b"WEBP":
        kind = "webp"
    if kind is None and filename:
        guessed = mimetypes.guess_type(filename)[0]
        kind = guessed.split("/", 1)[1] if guessed and guessed.startswith("image/") else None
    if kind is None:
        raise EmbedboardError(
            "Cannot tell the image format of the given bytes; the API needs PNG, JPEG, GIF, WEBP, BMP or TIFF."
        )
    return f"data:image/{kind};base64,{base64.b64encode(payload).decode('ascii')}"

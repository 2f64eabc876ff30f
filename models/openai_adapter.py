"""Any OpenAI-compatible `/v1/embeddings` server: OpenAI itself, vLLM, TEI, Infinity, LiteLLM.

Wire format, per OpenAI's API reference ("Create embeddings"; the request/response types
in the official SDK, e.g. openai-node `src/resources/embeddings.ts`):

    request   {"model": str, "input": [str, ...], "encoding_format": "float", "dimensions"?: int}
    response  {"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [...]}],
               "model": str, "usage": {"prompt_tokens": int, "total_tokens": int}}

`input` must not contain empty strings (the reference says so), so an empty input is sent
as a single space. `dimensions` is only sent when the card sets `options.dimensions`
(text-embedding-3 and later; most self-hosted servers reject it).

Card example (a vLLM server spreading a 7B model over many GPUs):

    - name: my-vllm-model
      adapter: openai
      source: Alibaba-NLP/gte-Qwen2-7B-instruct      # the server's model name
      dim: 3584
      max_length: 8192
      instructions: instruct-query
      options: {api_base: "http://gpu-box:8000/v1", api_key_env: VLLM_API_KEY}
"""

from __future__ import annotations

from typing import Any

from embedboard.models.api_client import MalformedResponse
from embedboard.models.protocol import EncoderInput
from embedboard.models.remote_base import RemoteEmbeddingModel


class OpenAICompatibleAdapter(RemoteEmbeddingModel):
    """Text embeddings through a `/embeddings` endpoint that speaks OpenAI's format."""

    default_endpoint = "/embeddings"
    # OpenAI documents "any array must be 2048 dimensions or less" for `input`.
    max_inputs_per_request = 2048

    def build_payload(self, batch: list[EncoderInput]) -> dict[str, Any]:
        texts = []
        for item in batch:
            if not isinstance(item, str):
                raise TypeError(f"{self.card.name} embeds text only; got {type(item).__name__}")
            texts.append(item if item else " ")
        payload: dict[str, Any] = {
            "model": self.card.source,
            "input": texts,
            "encoding_format": "float",
        }
        if self.card.options.get("dimensions"):
            payload["dimensions"] = int(self.card.options["dimensions"])
        return payload

    def read_response(self, body: Any, expected: int) -> tuple[list[Any], int | None]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise MalformedResponse("the response has no `data` list")
        try:
            # `index` ties each vector to its input; servers may return them out of order.
            ordered = sorted(data, key=lambda entry: int(entry["index"]))
            embeddings = [entry["embedding"] for entry in ordered]
        except (KeyError, TypeError, ValueError) as err:
            raise MalformedResponse(f"a `data` entry lacks index/embedding ({err!r})") from None
        if [int(entry["index"]) for entry in ordered] != list(range(len(ordered))):
            raise MalformedResponse("`data` indices are not 0..n-1")
        return embeddings, _prompt_tokens(body)


def _prompt_tokens(body: dict[str, Any]) -> int | None:
    usage = body.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("prompt_tokens"), int):
        return usage["prompt_tokens"]
    return None

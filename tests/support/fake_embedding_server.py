"""A real HTTP server on 127.0.0.1 that speaks the Ark text, Ark multimodal and OpenAI
embeddings APIs, validates requests like the vendors do, and fails on demand.

Vectors are a deterministic function of the input: a sum of per-word pseudo-random
vectors (seeded by a hash of the word), scaled so they are not unit length. Texts that
share words therefore get similar vectors, so the scores a run computes are real,
repeatable numbers rather than noise.

Faults are queued with `inject(kind, times=...)` and consumed one per request:
`429` (with Retry-After), `500`, `slow` (sleeps past the client's timeout), `truncated_json`,
`wrong_count`, `wrong_dim`, `nan`, `zero`, `overflow` (components near 1e20, whose float32 norm
overflows), `reset` (closes the connection without answering),
`echo_auth` (a 400 that quotes the Authorization header, to test that clients scrub it),
`bool_component` (a JSON `true` inside a vector), `too_long` (vLLM's HTTP 400 for an input
over the model's context).

`FakeEmbeddingServer(api_key=None)` accepts requests without a key, as self-hosted servers do;
`models={name: dim}` adds served models; GET `/models`, `/v1/models` and `/version` answer
like vLLM, for the provenance record.

Run standalone: `python tests/support/fake_embedding_server.py --key K` prints its URL and
serves until killed or `--lifetime` seconds pass.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

MODELS = {  # model name -> native dimension
    "doubao-embedding-large-text-250515": 2048,
    "doubao-embedding-vision-250615": 2048,
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
}
# The key the tests use; it looks like a real key so a leak would be unmistakable in any grep.
TEST_KEY = "ark-SECRET-0123456789abcdef-do-not-leak"
FAULTS = {
    "echo_auth",
    "429",
    "500",
    "slow",
    "truncated_json",
    "wrong_count",
    "wrong_dim",
    "nan",
    "zero",
    "overflow",
    "reset",
    "bool_component",
    "too_long",
}
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_WEIGHTS = np.round(np.random.default_rng(20250515).uniform(0.2, 1.4, size=4096), 3)


def fake_vector(model: str, content: str, dim: int) -> np.ndarray:
    """The server's raw (unnormalised, float64) vector for one input.

    Feature hashing: each word adds +-1 at four hashed positions, one hashed position of
    the whole input adds 0.5 (so no vector is ever zero), and fixed per-dimension weights
    with three decimals make the floats non-trivial for the bf16 cast while keeping the
    JSON short. Cheap enough for SciFact's 5,000 documents.
    """
    total = np.zeros(dim)
    words = _WORD.findall(content.lower()) or [content]
    digests = b"".join(
        hashlib.blake2b(f"{model}\x00{w}".encode(), digest_size=16).digest() for w in words
    )
    codes = np.frombuffer(digests, dtype=np.uint32)
    np.add.at(total, codes % dim, np.where((codes >> 20) & 1, 1.0, -1.0))
    whole = hashlib.blake2b(f"{model}\x01{content}".encode(), digest_size=8).digest()
    total[int.from_bytes(whole, "little") % dim] += 0.5
    return total * _WEIGHTS[:dim]


class FakeEmbeddingServer:
    """Start with `with FakeEmbeddingServer(api_key=...) as server:`; `server.url` is the base URL."""

    def __init__(
        self,
        api_key: str | None = "test-key",
        lifetime_s: float = 300.0,
        slow_s: float = 1.0,
        models: dict[str, int] | None = None,
    ) -> None:
        self.api_key = api_key
        self.models = {**MODELS, **(models or {})}
        self.lifetime_s = lifetime_s
        self.slow_s = slow_s
        self.log: list[dict[str, Any]] = []  # one entry per request received
        self.faults: deque[tuple[str, dict[str, Any]]] = deque()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            args=(0.02,),
            daemon=True,
            name="fake-embedding-server",
        )
        self._timer = threading.Timer(
            lifetime_s, self.stop
        )  # the server stops itself whatever happens
        self._timer.daemon = True

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeEmbeddingServer:
        self._thread.start()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeEmbeddingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, kind: str, times: int = 1, **params: Any) -> None:
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind}; known: {sorted(FAULTS)}")
        with self._lock:
            self.faults.extend([(kind, params)] * times)

    def next_fault(self) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            return self.faults.popleft() if self.faults else None

    def ok_requests(self, path_suffix: str = "") -> list[dict[str, Any]]:
        """Requests answered with a usable 200 (not a deliberately broken one)."""
        return [
            r
            for r in self.log
            if r["status"] == 200
            and r.get("fault") in (None, "slow")
            and r["path"].endswith(path_suffix)
        ]

    def texts_sent(self) -> list[str]:
        """Every text of every successful request, in arrival order."""
        texts: list[str] = []
        for entry in self.ok_requests():
            texts.extend(entry["texts"])
        return texts


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up on a `slow` reply: expected, not worth a traceback.
        pass


# ---- request validation ------------------------------------------------------------------
class BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _text_inputs(body: dict[str, Any]) -> list[str]:
    """Ark text / OpenAI: `input` is a string or a non-empty list of non-empty strings."""
    raw = body.get("input")
    texts = [raw] if isinstance(raw, str) else raw
    if not isinstance(texts, list) or not texts or len(texts) > 2048:
        raise BadRequest(400, "input must be a string or a list of 1..2048 strings")
    if not all(isinstance(t, str) and t for t in texts):
        raise BadRequest(400, "input must not contain empty or non-string items")
    if body.get("encoding_format", "float") != "float":
        raise BadRequest(400, "this fake only serves encoding_format=float")
    return texts


def _multimodal_input(body: dict[str, Any]) -> str:
    """Ark multimodal: `input` is a list of at most one text and one image_url item -> one vector."""
    items = body.get("input")
    if not isinstance(items, list) or not items or len(items) > 2:
        raise BadRequest(400, "input must list 1..2 content items (one text and/or one image)")
    parts: list[str] = []
    kinds = []
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        kinds.append(kind)
        if kind == "text" and isinstance(item.get("text"), str) and item["text"]:
            parts.append(item["text"])
        elif kind == "image_url" and isinstance(item.get("image_url"), dict):
            url = item["image_url"].get("url", "")
            if not re.match(r"^(https?://|data:image/[a-z0-9.+-]+;base64,)", url):
                raise BadRequest(
                    400, "InvalidImageURL: give an http(s) URL or data:image/<fmt>;base64,"
                )
            parts.append("<image:" + hashlib.sha256(url.encode()).hexdigest()[:16] + ">")
        else:
            raise BadRequest(400, f"bad content item {item!r:.80}")
    if len(set(kinds)) != len(kinds):
        raise BadRequest(400, "at most one text and one image per request")
    return " ".join(parts)


def _handler_for(server: FakeEmbeddingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out as two writes; with Nagle on, the body waits out the
        # client's delayed ACK (~40 ms a request), a cost real servers do not have.
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 -- provenance endpoints, like vLLM's
            if self.path.endswith("/models"):
                body = {
                    "object": "list",
                    "data": [{"id": m, "object": "model"} for m in sorted(server.models)],
                }
            elif self.path == "/version":
                body = {"version": "fake-0.1"}
            else:
                return self._reply({}, 404, {"error": {"message": f"no route {self.path}"}})
            return self._reply({}, 200, body)

        def do_POST(self) -> None:  # noqa: N802 -- http.server's naming
            with server._lock:
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            entry: dict[str, Any] = {
                "path": self.path,
                "status": None,
                "texts": [],
                "time": time.time(),
            }
            server.log.append(entry)
            try:
                self._serve(entry)
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _serve(self, entry: dict[str, Any]) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                if (
                    server.api_key is not None
                    and self.headers.get("Authorization") != f"Bearer {server.api_key}"
                ):
                    raise BadRequest(401, "AuthenticationError: the API key is missing or invalid")
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    raise BadRequest(400, "Content-Type must be application/json")
                body = json.loads(raw)
                model = body.get("model")
                if model not in server.models:
                    raise BadRequest(404, f"model {model!r} does not exist")
                dim = server.models[model]
                if "dimensions" in body:
                    if not isinstance(body["dimensions"], int) or not 0 < body["dimensions"] <= dim:
                        raise BadRequest(400, "bad dimensions")
                    dim = body["dimensions"]
                if self.path.endswith("/embeddings/multimodal"):
                    texts, multimodal = [_multimodal_input(body)], True
                elif self.path.endswith("/embeddings"):
                    texts, multimodal = _text_inputs(body), False
                else:
                    raise BadRequest(404, f"no route {self.path}")
            except BadRequest as err:
                return self._reply(
                    entry, err.status, {"error": {"code": err.status, "message": str(err)}}
                )
            except (ValueError, AttributeError) as err:
                return self._reply(entry, 400, {"error": {"message": f"bad JSON body: {err}"}})
            entry["model"], entry["texts"], entry["raw_body"] = model, texts, body

            fault = server.next_fault()
            kind, params = fault if fault else (None, {})
            entry["fault"] = kind
            if kind == "429":
                return self._reply(
                    entry,
                    429,
                    {"error": {"message": "rate limited"}},
                    {"Retry-After": str(params.get("retry_after", 0))},
                )
            if kind == "echo_auth":  # a careless server quoting the request back
                return self._reply(
                    entry,
                    400,
                    {"error": {"message": f"bad header {self.headers.get('Authorization')}"}},
                )
            if kind == "too_long":
                return self._reply(
                    entry,
                    400,
                    {
                        "object": "error",
                        "message": "This model's maximum context length is "
                        "512 tokens. However, you requested 913 tokens in the input for embedding "
                        "generation. Please reduce the length of the input.",
                        "code": 400,
                    },
                )
            if kind == "500":
                return self._reply(entry, 500, {"error": {"message": "internal error"}})
            if kind == "reset":
                entry["status"] = "reset"
                self.close_connection = True
                self.connection.close()
                return None
            if kind == "slow":
                time.sleep(params.get("seconds", server.slow_s))

            vectors = [fake_vector(model, text, dim) for text in texts]
            if kind == "wrong_count":
                vectors = vectors[:-1] if len(vectors) > 1 else vectors * 2
            if kind == "wrong_dim":
                vectors = [v[:-1] for v in vectors]
            if kind == "zero":
                vectors[0] = np.zeros_like(vectors[0])
            if kind == "overflow":
                vectors[0] = vectors[0] * 1e20
            data: list[dict[str, Any]] = [
                {"object": "embedding", "index": i, "embedding": v.tolist()}
                for i, v in enumerate(vectors)
            ]
            if kind == "bool_component":
                data[0]["embedding"][1] = True
            if kind == "nan":
                data[0]["embedding"][0] = float("nan")  # json.dumps writes NaN, as some servers do
            tokens = sum(len(_WORD.findall(t)) for t in texts)
            reply: dict[str, Any] = {
                "id": f"fake-{len(server.log)}",
                "object": "list",
                "model": model,
                "created": int(time.time()),
                "data": {k: v for k, v in data[0].items() if k != "index"} if multimodal else data,
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
            payload = json.dumps(reply).encode()
            if kind == "truncated_json":
                payload = payload[: len(payload) // 2]
            return self._reply(entry, 200, None, raw_payload=payload)

        def _reply(
            self,
            entry: dict[str, Any],
            status: int,
            body: Any,
            headers: dict[str, str] | None = None,
            raw_payload: bytes | None = None,
        ) -> None:
            entry["status"] = status
            payload = raw_payload if raw_payload is not None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--key", default="test-key")
    parser.add_argument("--lifetime", type=float, default=600.0)
    args = parser.parse_args()
    server = FakeEmbeddingServer(api_key=args.key, lifetime_s=args.lifetime).start()
    print(server.url, flush=True)
    server._thread.join()


if __name__ == "__main__":
    main()

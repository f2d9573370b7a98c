"""An OpenAI-compatible stub server for plumbing tests: every chat completion is one fixed refusal.

    with serve(RefusingOpenAI) as url:   # http://127.0.0.1:PORT/v1, model id `stub`
        ...

Requests are recorded in `RefusingOpenAI.requests` (subclasses may stall, fail, ...).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFUSAL = "I'm sorry, but I can't help with that."


class RefusingOpenAI(BaseHTTPRequestHandler):
    """`GET /v1/models` lists `stub`; `POST` answers REFUSAL (with usage, so Inspect counts tokens)."""

    requests: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._send({"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        RefusingOpenAI.requests.append(body)
        self._send({
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": REFUSAL}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14},
        })


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler] = RefusingOpenAI) -> Iterator[str]:
    """Run `handler` on a free loopback port; yields the base URL (`.../v1`)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()

"""Stand-ins for outside services, as real HTTP servers on loopback, for fast channel tests.

``RasaStandIn`` answers Rasa's REST webhook with scripted replies (slow, failing or
empty when asked to), and records what it was sent. The same tests against the real
Rasa are in test_conversation.py and test_channels_e2e.py.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Respond = Callable[[str, str], list[dict[str, Any]]]


def echo(sender: str, message: str) -> list[dict[str, Any]]:
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class JsonServer:
    """A threading HTTP server whose handler is a function of (method, path, body) → (status, json)."""

    def __init__(self, handle: Callable[[str, str, bytes], tuple[int, Any]]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, value = outer.handle(self.command, self.path, body)
                data = json.dumps(value, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.handle = handle
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> JsonServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class RasaStandIn(JsonServer):
    def __init__(self, respond: Respond = echo, delay_s: float = 0.0, status: int = 200) -> None:
        self.respond = respond
        self.delay_s = delay_s
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        super().__init__(self._handle)

    def _handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if method != "POST" or not path.startswith("/webhooks/rest/webhook"):
            return 404, {"error": "not found"}
        request = json.loads(body or b"{}")
        with self.lock:
            self.received.append(request)
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.status != 200:
            return self.status, {"error": "stand-in failure"}
        return 200, self.respond(str(request.get("sender", "")), str(request.get("message", "")))

    def __enter__(self) -> RasaStandIn:
        super().__enter__()
        return self

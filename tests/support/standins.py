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

import jwt

Respond = Callable[[str, str], list[dict[str, Any]]]
Handle = Callable[[str, str, bytes, dict[str, str]], tuple[int, Any]]
# The api signs its calls to Rasa; the stand-in checks them as Rasa's signed channel does.
STANDIN_JWT_SECRET = "stand-in-jwt-secret-for-tests-0123456789"


def echo(sender: str, message: str) -> list[dict[str, Any]]:
    return [{"recipient_id": sender, "text": f"收到：{message}"}]


class JsonServer:
    """A threading HTTP server whose handler is a function of (method, path, body) → (status, json)."""

    def __init__(self, handle: Handle) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, value = outer.handle(self.command, self.path, body, dict(self.headers.items()))
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

    def _handle(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        if method != "POST" or not path.startswith("/webhooks/signed/webhook"):
            return 404, {"error": "not found"}
        _, _, token = headers.get("Authorization", "").partition(" ")
        try:
            jwt.decode(token, STANDIN_JWT_SECRET, algorithms=["HS256"], options={"require": ["exp"]})
        except jwt.PyJWTError:
            return 401, {"error": "unsigned"}
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

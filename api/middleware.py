"""Request guards for every route: a body size limit, security headers, and request metrics."""

from __future__ import annotations

import json
import time

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.ops.metrics import Metrics

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
]
# FastAPI's interactive docs load Swagger UI from a CDN: development only (off in production).
CSP_EXEMPT = frozenset({"/docs", "/redoc"})
# Two years, every subdomain: once a browser has seen the site over HTTPS it never tries http.
HSTS = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")
# What staff see and a worker's history: never kept by a browser's or a proxy's cache.
NO_STORE_PREFIXES = ("/api/console", "/api/admin", "/api/auth", "/api/web/history")
NO_STORE = (b"cache-control", b"no-store")


def _no_store(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in NO_STORE_PREFIXES)


def _secure(scope: Scope) -> bool:
    """HTTPS is how the site is served (the settings say so: production requires it)."""
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    return bool(getattr(settings, "cookie_secure", False) or getattr(settings, "env", "") == "production")


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"detail": f"请求太大了（最多 {limit} 字节）"}, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """413 before reading past the limit, whether or not the client sent a Content-Length."""

    def __init__(self, app: ASGIApp, max_bytes: int, per_path: dict[str, int] | None = None) -> None:
        self.app = app
        self.default_bytes = max_bytes
        # Rasa's calls to the actions carry the whole tracker and domain: far larger than a message.
        self.per_path = per_path or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.per_path.get(scope.get("path", ""), self.default_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await _too_large(send, max_bytes)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    # An HTTPException, so FastAPI's body parsing passes it on as a 413.
                    raise HTTPException(status_code=413, detail=f"请求太大了（最多 {max_bytes} 字节）")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except HTTPException as exc:
            if started or exc.status_code != 413:
                raise
            await _too_large(send, max_bytes)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        path = scope.get("path", "")
        exempt = path in CSP_EXEMPT
        extra = list(SECURITY_HEADERS)
        if _secure(scope):
            extra.append(HSTS)
        no_store = _no_store(path)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if no_store:  # whatever the route said: these answers are never cached
                    headers = [(name, value) for name, value in headers if name.lower() != b"cache-control"]
                    headers.append(NO_STORE)
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [
                    (name, value)
                    for name, value in extra
                    if name not in present and not (exempt and name == b"content-security-policy")
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class RequestMetrics:
    """Counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope.get("method", ""), route, str(status)).inc()
            self.metrics.request_seconds.labels(route).observe(time.perf_counter() - started)

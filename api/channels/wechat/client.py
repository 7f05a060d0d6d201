"""WeChat's customer-service message API: the answers that miss the 5-second passive reply.

The access token comes from WeChat's stable-token endpoint (POST, JSON body): in its
normal mode every api replica that asks gets the same token while it is valid, and
asking never invalidates the token another replica holds (the older ``/cgi-bin/token``
did, so replicas knocked each other's tokens out). The secret travels only in that
request's body, never in a URL. The token is kept until five minutes before it expires
(WeChat hands out the next one in that window, the old one still working meanwhile),
and fetched again once when WeChat says it is invalid or expired. ``force_refresh`` is
never sent: it would invalidate every replica's token, and WeChat allows it 20 times a
day; a refused token is followed by a normal-mode fetch, which returns the newer token if
there is one. Failures are logged (error code only, never the message or the openid)
and reported as False: the worker's request never fails because of them. The token
itself must travel in the send URL (WeChat's API), so httpx's request log is scrubbed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import httpx

log = logging.getLogger(__name__)

TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/custom/send"
TOKEN_ERRORS = {40001, 40014, 42001}  # invalid credential, invalid token, expired token
TOKEN_MARGIN_S = 300  # refresh this long before WeChat's expiry (its handover window is 5 minutes)


class _HideSecrets(logging.Filter):
    """httpx logs every request URL at INFO: mask the access_token (and a secret, should one ever be there)."""

    pattern = re.compile(r"((?:access_token|secret)=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self.pattern.sub(r"\1***", str(a)) if isinstance(a, httpx.URL | str) else a for a in record.args
            )
        return True


def _hide_secrets_in_httpx_log() -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HideSecrets) for f in logger.filters):
        logger.addFilter(_HideSecrets())


class WeChatClient:
    def __init__(
        self,
        api_base: str,
        app_id: str,
        app_secret: str,
        timeout_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        _hide_secrets_in_httpx_log()
        self.app_id = app_id
        self.app_secret = app_secret
        self.client = httpx.AsyncClient(
            base_url=api_base.rstrip("/"),
            timeout=httpx.Timeout(timeout_s, connect=min(2.0, timeout_s)),
            transport=transport,
        )
        self.token = ""
        self.token_expires = 0.0
        self.token_lock = asyncio.Lock()

    async def _call(
        self, method: str, path: str, params: dict[str, str] | None, body: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        try:
            response = await self.client.request(method, path, params=params, json=body)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("WeChat API %s failed: %s", path, type(exc).__name__)
            return None
        if response.status_code != 200 or not isinstance(data, dict):
            log.warning("WeChat API %s answered HTTP %s", path, response.status_code)
            return None
        return data

    async def access_token(self, stale: str = "") -> str:
        """A valid token ("" when none can be had); ``stale`` is one WeChat just refused."""
        async with self.token_lock:  # one fetch at a time; the others reuse its token
            if self.token and self.token != stale and time.monotonic() < self.token_expires:
                return self.token
            if not (self.app_id and self.app_secret):
                log.warning("WeChat app id or secret not configured: cannot send messages")
                return ""
            # The secret in the body only; normal mode: the token other replicas hold stays valid.
            body = {
                "grant_type": "client_credential",
                "appid": self.app_id,
                "secret": self.app_secret,
                "force_refresh": False,
            }
            data = await self._call("POST", TOKEN_PATH, None, body)
            token = str((data or {}).get("access_token") or "")
            if not token:
                log.warning("WeChat token request failed: errcode %s", (data or {}).get("errcode"))
                self.token = ""
                return ""
            try:
                expires_in = int((data or {}).get("expires_in", 7200))
            except (TypeError, ValueError):
                expires_in = 7200
            self.token = token
            self.token_expires = time.monotonic() + max(expires_in - min(TOKEN_MARGIN_S, expires_in // 2), 0)
            return token

    async def send_text(self, openid: str, content: str) -> bool:
        """Send one text message (≤ 2048 bytes); True when WeChat accepted it."""
        body = {"touser": openid, "msgtype": "text", "text": {"content": content}}
        token = await self.access_token()
        for attempt in range(2):
            if not token:
                return False
            data = await self._call("POST", SEND_PATH, {"access_token": token}, body)
            if data is None:
                return False
            errcode = data.get("errcode", 0)
            if errcode == 0:
                return True
            if errcode in TOKEN_ERRORS and attempt == 0:
                token = await self.access_token(stale=token)
                continue
            log.warning("WeChat custom message refused: errcode %s", errcode)
            return False
        return False

    async def close(self) -> None:
        await self.client.aclose()

"""Talks to Rasa's REST channel: one replica per conversation, and failure is never silence.

Several Rasa replicas must never work on one conversation at once (they would race
on its tracker), so a conversation is routed by a stable hash of its sender id.
A timeout, an error status, a malformed body or an empty reply list all count as a
failure, which the caller turns into an apology with the hotline.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx

from api.conversations.rasa_auth import RasaToken

log = logging.getLogger(__name__)

# Rasa's REST channel, signed: bot/channels/signed_rest.py refuses a request without the JWT.
REST_PATH = "/webhooks/signed/webhook"


class RasaUnavailable(Exception):
    """Rasa gave no usable reply (down, slow, error or nothing to say)."""


def replica_for(sender: str, urls: list[str]) -> str:
    """The replica that owns this conversation; the same for every api process."""
    digest = hashlib.sha256(sender.encode("utf-8")).digest()
    return urls[int.from_bytes(digest[:8], "big") % len(urls)]


class RasaClient:
    def __init__(
        self,
        urls: list[str],
        timeout_s: float,
        token: RasaToken,
        transport: httpx.AsyncBaseTransport | None = None,
        observe: Callable[[str, float, bool], None] | None = None,
    ) -> None:
        if not urls:
            raise ValueError("at least one Rasa URL is needed")
        self.urls = urls
        self.token = token
        self.observe = observe or (lambda replica, seconds, ok: None)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s, connect=min(2.0, timeout_s)), transport=transport
        )

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        replica = replica_for(sender, self.urls)
        started = time.perf_counter()
        try:
            replies = await self._send(replica, sender, message, metadata)
        except RasaUnavailable:
            self.observe(replica, time.perf_counter() - started, False)
            raise
        self.observe(replica, time.perf_counter() - started, True)
        return replies

    async def _send(
        self, replica: str, sender: str, message: str, metadata: dict[str, Any] | None
    ) -> list[dict[str, Any]]:
        url = replica + REST_PATH
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            response = await self.client.post(url, json=body, headers=self.token.header())
        except httpx.HTTPError as exc:
            log.warning("Rasa at %s failed: %s", url, type(exc).__name__)
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code != 200:
            log.warning("Rasa at %s answered %s", url, response.status_code)
            raise RasaUnavailable(f"status {response.status_code}")
        try:
            replies = response.json()
        except ValueError as exc:
            raise RasaUnavailable("reply is not JSON") from exc
        if not isinstance(replies, list):
            raise RasaUnavailable("reply is not a list")
        usable = [r for r in replies if isinstance(r, dict) and (r.get("text") or r.get("buttons") or r.get("custom"))]
        if not usable:
            raise RasaUnavailable("empty reply")
        return usable

    async def close(self) -> None:
        await self.client.aclose()

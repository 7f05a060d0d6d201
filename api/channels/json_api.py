"""The JSON channels — the web widget and other systems: verify, parse, render.

Both speak the same reply shape; they differ in who they are (a random web session; a
partner system with an API key) and so in how a request is verified.
"""

from __future__ import annotations

import hmac
from typing import Any

from api.channels.partner_keys import RESERVED_SOURCES
from api.conversations.turn import BadPayload, Conversations, Inbound, RateLimited, Turn


class Refused(Exception):
    """A request the channel will not take: an HTTP status and a sentence for people."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def verify_api_key(given: str | None, keys: dict[str, frozenset[str]]) -> frozenset[str]:
    """The sources the given key may speak for; 401 for a missing or unknown key."""
    if not keys:
        raise Refused(503, "this channel has no API keys configured")
    allowed: frozenset[str] | None = None
    for key, sources in keys.items():  # every key compared, in constant time each
        if given and hmac.compare_digest(given.encode(), key.encode()):
            allowed = sources
    if allowed is None:
        raise Refused(401, "API key missing or wrong")
    return allowed


def verify_source(source: str, allowed: frozenset[str]) -> None:
    """A key speaks only for its own sources: never another partner's, never web or wechat."""
    if source in RESERVED_SOURCES or source not in allowed:
        raise Refused(403, f"this API key may not speak for source {source!r}")


def parse_web(session_id: str, text: str, payload: str, title: str) -> Inbound:
    return Inbound(channel="web", sender=session_id, text=text, payload=payload, title=title)


def parse_partner(source: str, user_id: str, text: str, payload: str) -> Inbound:
    return Inbound(channel=source, sender=user_id, text=text, payload=payload)


def render(turn: Turn) -> dict[str, Any]:
    return {"replies": [reply.to_json() for reply in turn.replies], "handoff": turn.handoff}


async def answer(conversations: Conversations, inbound: Inbound) -> dict[str, Any]:
    """One turn, rendered; a rate limit or a forged payload becomes a refusal with its reason."""
    try:
        return render(await conversations.handle(inbound))
    except RateLimited as exc:
        raise Refused(429, str(exc)) from None
    except BadPayload as exc:
        raise Refused(400, str(exc)) from None

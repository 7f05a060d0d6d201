"""The JSON channels — the web widget and other systems: verify, parse, render.

Both speak the same reply shape; they differ in who they are (a random web session; a
partner system with an API key) and so in how a request is verified.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime
from typing import Any

from api.conversations.limits import Limits
from api.conversations.turn import BadPayload, Conversations, Inbound, RateLimited, Reply, Turn
from api.handoff.store import WAITING, HandoffStore
from api.partner_keys import RESERVED_SOURCES
from api.privacy.redact import find

# A request for a person over its address's limit (limit_new_handoff).
HANDOFF_BUSY = "现在从您所在的网络转人工的人太多了，这次没有转成。请过几分钟再试；急事请拨打 12333。"


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


PERSONAL_ID = "编号里不能有手机号、身份证号或银行卡号：请用随机编号，或系统内部编号的哈希"


def _no_personal_number(sender: str) -> str:
    """A conversation id is kept and shown in clear (history, console, Rasa's tracker): a caller's
    phone used as the id would be a personal number nobody redacts, so it is refused."""
    if find(sender):
        raise Refused(422, PERSONAL_ID)
    return sender


def parse_web(session_id: str, text: str, payload: str, title: str) -> Inbound:
    return Inbound(channel="web", sender=_no_personal_number(session_id), text=text, payload=payload, title=title)


def parse_partner(source: str, user_id: str, text: str, payload: str) -> Inbound:
    return Inbound(channel=source, sender=_no_personal_number(user_id), text=text, payload=payload)


async def limit_new_handoff(
    answer: dict[str, Any],
    conversation: str,
    since: datetime,
    handoffs: HandoffStore,
    limits: Limits,
    address: str,
    per_minute: int,
) -> None:
    """A request for a person made in this turn counts against its address's limit.

    Over the limit it leaves the queue at once and the worker is told, so that 转人工 from
    many fresh session ids cannot fill the staff's queue. A conversation already waiting or
    with a person is not a new request and counts for nothing.
    """
    if not answer.get("handoff"):
        return
    state = await asyncio.to_thread(handoffs.get, conversation)
    if state is None or state.status != WAITING or state.requested_at is None or state.requested_at < since:
        return
    if await limits.allow(f"address:handoff:{address}", per_minute):
        return
    if await asyncio.to_thread(handoffs.withdraw, conversation, since):
        # One clear message: the bot's "已经帮您转给工作人员" followed by "没有转成" said both.
        answer["handoff"] = False
        answer["replies"] = [Reply(HANDOFF_BUSY).to_json()]


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

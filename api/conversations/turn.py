"""One turn of a conversation, whatever the channel: checks, redaction, Rasa, the reply.

Every channel turns its request into an ``Inbound`` and renders the ``Turn`` this
returns. Here, in order: the rate limit; empty or overlong text answered without Rasa;
personal data replaced by placeholders (a mobile number kept encrypted for the wage
form); Rasa asked; a failure answered with an apology and the hotline; the exchange
stored with the masked text.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from api.cases.store import conversation_key
from api.conversations.history import History, StoredMessage
from api.conversations.limits import Limits
from api.conversations.rasa_client import RasaClient, RasaUnavailable
from api.handoff.store import STAFF, HandoffStore
from api.ops.metrics import Metrics
from api.privacy.redact import Found, mask, redact
from api.privacy.vault import MOBILE_PLACEHOLDER, PiiVault

log = logging.getLogger(__name__)

# A button payload is an intent, optionally with entities as a small JSON object.
PAYLOAD_PATTERN = r"^(/[a-z_]{1,60}(\{[\s\S]{0,300}\})?)?$"
PAYLOAD_RE = re.compile(PAYLOAD_PATTERN)
# Rasa's own intents: no button of ours sends them, and /restart would wipe the conversation.
RASA_INTERNAL = re.compile(r"^/(restart|session_start|back)\b")
EMPTY_REPLY = "请输入您想问的事，比如“老板欠工资不给怎么办”。"
TOO_LONG_REPLY = "您的消息太长了（最多{limit}字）。请分几次说，或者先说最要紧的一件事。"
RATE_LIMITED_REPLY = "您发得太快了，请稍等一分钟再发。"
FAILURE_REPLY = "抱歉，系统暂时没有回应。请稍后再试，急事请拨打12333（人社服务热线）。"


class RateLimited(Exception):
    pass


class BadPayload(ValueError):
    pass


@dataclass
class Inbound:
    channel: str
    sender: str  # the channel's own id: a web session, a WeChat openid, a partner's user id
    text: str = ""
    payload: str = ""  # a button's payload, e.g. /affirm
    title: str = ""  # what the button said, shown as the worker's message

    @property
    def conversation(self) -> str:
        return f"{self.channel}:{self.sender}"


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    id: str = ""
    # What the bot based the answer on (intent, search hits): kept for the staff console, never sent.
    evidence: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "buttons": self.buttons, "citations": self.citations}


@dataclass
class Turn:
    replies: list[Reply]
    handoff: bool = False
    failed: bool = False  # Rasa gave nothing: the replies are the apology
    handoff_reason: str = ""
    with_staff: bool = False  # a person has the conversation: the bot stayed silent


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw
        if isinstance(b, dict) and b.get("payload")
    ]


def reply_from_rasa(message: dict[str, Any]) -> tuple[Reply, str]:
    """A Rasa REST message as a channel-neutral reply, and the reason if it hands the worker to a person."""
    raw_custom = message.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    citations = [c for c in custom.get("citations", []) if isinstance(c, dict)]
    evidence = custom.get("evidence") if isinstance(custom.get("evidence"), dict) else None
    reply = Reply(
        text=str(message.get("text") or ""),
        buttons=_buttons(message.get("buttons")),
        citations=citations,
        evidence=evidence,
    )
    handoff = custom.get("handoff")
    reason = str(handoff.get("reason") or "asked") if isinstance(handoff, dict) else ("asked" if handoff else "")
    return reply, reason


def merge_replies(pairs: list[tuple[Reply, str]]) -> Turn:
    """Rasa's REST channel sends an answer's custom payload as a message of its own: join it to the answer."""
    replies: list[Reply] = []
    for reply, _ in pairs:
        if replies and not reply.text and not reply.buttons:
            replies[-1].citations.extend(reply.citations)
            replies[-1].evidence = replies[-1].evidence or reply.evidence
        elif reply.text or reply.buttons or reply.citations:
            replies.append(reply)
    reason = next((r for _, r in pairs if r), "")
    return Turn(replies, handoff=bool(reason), handoff_reason=reason)


def outcome_of(turn: Turn) -> str:
    """The label a turn is counted under in the metrics."""
    if turn.failed:
        return "failed"
    if turn.with_staff:
        return "staff"
    if turn.handoff:
        return "handoff"
    return "answered" if turn.replies else "silent"


class Conversations:
    def __init__(
        self,
        rasa: RasaClient,
        history: History,
        limits: Limits,
        vault: PiiVault,
        handoffs: HandoffStore,
        max_message_chars: int,
        rate_per_minute: int,
        metrics: Metrics | None = None,
    ) -> None:
        self.rasa = rasa
        self.history = history
        self.limits = limits
        self.vault = vault
        self.handoffs = handoffs
        self.max_message_chars = max_message_chars
        self.rate_per_minute = rate_per_minute
        self.metrics = metrics or Metrics()

    def _redact(self, inbound: Inbound, text: str) -> tuple[str, list[str]]:
        """Placeholders for personal data, and the tokens under which mobile numbers are kept.

        A mobile number is kept (encrypted) for the wage form; the text says only "[手机号]"
        and its token travels in the message's metadata, so the NLU always sees the same words.
        """
        key = conversation_key(inbound.conversation)
        tokens: list[str] = []

        def keep(found: Found) -> str:
            if found.kind == "mobile":
                tokens.append(self.vault.keep(key, found.kind, found.value, mask(found)))
                return MOBILE_PLACEHOLDER
            return {"id_card": "[身份证号]", "bank_card": "[银行卡号]"}.get(found.kind, "[号码]")

        redacted, _ = redact(text, keep)
        return redacted, tokens

    async def handle(self, inbound: Inbound) -> Turn:
        turn = await self._handle(inbound)
        self.metrics.turn(inbound.channel, outcome_of(turn))
        return turn

    async def _handle(self, inbound: Inbound) -> Turn:
        if not await self.limits.allow(inbound.conversation, self.rate_per_minute):
            self.metrics.turn(inbound.channel, "rate_limited")
            raise RateLimited(RATE_LIMITED_REPLY)
        if inbound.payload:
            if not PAYLOAD_RE.match(inbound.payload) or RASA_INTERNAL.match(inbound.payload):
                raise BadPayload("按钮内容无效")
            message, tokens = inbound.payload, list[str]()
            shown = inbound.title[:100] or inbound.payload
            if inbound.title:
                shown, _ = await asyncio.to_thread(self._redact, inbound, shown)
        else:
            text = inbound.text.strip()
            if not text:
                return Turn([Reply(EMPTY_REPLY)])
            if len(text) > self.max_message_chars:
                return Turn([Reply(TOO_LONG_REPLY.format(limit=self.max_message_chars))])
            message, tokens = await asyncio.to_thread(self._redact, inbound, text)
            shown = message
        conversation, channel = inbound.conversation, inbound.channel
        if await asyncio.to_thread(self.handoffs.status, conversation) == STAFF:
            # A person has this conversation: the bot stays silent, the console shows the message.
            await asyncio.to_thread(self.history.add, conversation, channel, [StoredMessage(role="user", text=shown)])
            await asyncio.to_thread(self.handoffs.touch, conversation, channel, shown)
            return Turn([], handoff=True, with_staff=True)
        try:
            raw = await self.rasa.send(conversation, message, {"pii": {"mobile": tokens}} if tokens else None)
            turn = merge_replies([reply_from_rasa(m) for m in raw])
        except RasaUnavailable:
            turn = Turn([Reply(FAILURE_REPLY)], failed=True, handoff_reason="bot_failed")
        stored = [StoredMessage(role="user", text=shown)]
        for reply in turn.replies:
            row = StoredMessage(role="bot", text=reply.text, buttons=reply.buttons, citations=reply.citations)
            row.meta = {"failed": turn.failed, "handoff": turn.handoff, "evidence": reply.evidence}
            reply.id = row.id
            stored.append(row)
        await asyncio.to_thread(self.history.add, conversation, channel, stored)
        topic = next((str(r.evidence.get("intent") or "") for r in turn.replies if r.evidence), "")
        await asyncio.to_thread(self.handoffs.touch, conversation, channel, shown, topic)
        if turn.handoff_reason:
            await asyncio.to_thread(self.handoffs.request, conversation, channel, turn.handoff_reason)
        return turn

    async def history_of(self, conversation: str) -> list[dict[str, Any]]:
        rows = await asyncio.to_thread(self.history.messages, conversation)
        return [m.to_json() for m in rows]

    async def feedback(self, conversation: str, message_id: str, rating: str) -> bool:
        return await asyncio.to_thread(self.history.add_feedback, conversation, message_id, rating)

"""One turn of a conversation, whatever the channel: checks, redaction, Rasa, the reply.

Every channel turns its request into an ``Inbound`` and renders the ``Turn`` this
returns. Here, in order: the rate limit; empty or overlong text answered without Rasa;
personal data replaced by placeholders (a mobile number kept encrypted for the wage
form); Rasa asked; a failure answered with an apology and the hotline; the exchange
stored with the masked text.
"""

from __future__ import annotations

import asyncio
import json
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
from api.privacy.redact import Found, find, mask, replace
from api.privacy.split import completion, kept_tail, pending, trailing
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
PERSONAL_PAYLOAD = "按钮内容里不能有手机号、身份证号或银行卡号。"
# How long the digits a message ends with are kept, encrypted, to catch a number finished in the next one.
TAIL_TTL_S = 300


class RateLimited(Exception):
    pass


class BadPayload(ValueError):
    pass


def as_words(text: str) -> str:
    """Typed text is words, never a command: Rasa reads a leading '/' as an intent with entities.

    Typed as text, ``/restart`` wiped the conversation and ``/ask_human`` or
    ``/inform{...}`` went round the checks buttons get (check_payload); a full-width solidus
    reads the same to people and is no command to Rasa.
    """
    return "／" + text[1:] if text.startswith("/") else text


def check_payload(payload: str) -> None:
    """Refuse a payload no button of ours sends: a bad shape, Rasa's own intents, personal numbers.

    Entity values are what Rasa reads: JSON, so "\\u0031\\u0033\\u0038…" is a mobile too. Our
    buttons carry an intent and at most a few short words or item numbers, never a person's number.
    """
    if not PAYLOAD_RE.match(payload) or RASA_INTERNAL.match(payload):
        raise BadPayload("按钮内容无效")
    brace = payload.find("{")
    entities: Any = {}
    if brace >= 0:
        try:
            entities = json.loads(payload[brace:])
        except ValueError:
            raise BadPayload("按钮内容无效") from None
        if not isinstance(entities, dict) or not all(isinstance(v, str | int | float) for v in entities.values()):
            raise BadPayload("按钮内容无效")
    if any(find(str(part)) for part in (payload, *entities, *entities.values())):
        raise BadPayload(PERSONAL_PAYLOAD)


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

    def _redact(self, inbound: Inbound, text: str, tail: str = "") -> tuple[str, list[str], str]:
        """Placeholders for personal data, the tokens under which mobile numbers are kept, and
        the digits to keep for the next message (api/privacy/split.py).

        A mobile number is kept (encrypted) for the wage form; the text says only "[手机号]"
        and its token travels in the message's metadata, so the NLU always sees the same words.
        ``tail`` is what the previous message ended with: if this one finishes that number, its
        part of it is redacted as the number. A start of a number this message ends with is
        redacted now, as it may never be finished.
        """
        key = conversation_key(inbound.conversation)
        tokens: list[str] = []

        def keep(found: Found) -> str:
            if found.kind == "mobile":
                tokens.append(self.vault.keep(key, found.kind, found.value, mask(found)))
                return MOBILE_PLACEHOLDER
            return {"id_card": "[身份证号]", "bank_card": "[银行卡号]"}.get(found.kind, "[号码]")

        found = find(text)
        head = completion(tail, text) if tail else None
        if head is not None:
            found = [head, *(f for f in found if f.start >= head.end)]
        cut = pending(text)
        if cut is not None and not any(f.start < cut.end and cut.start < f.end for f in found):
            found = sorted([*found, cut], key=lambda f: f.start)
        end = trailing(text)
        finished = end is not None and any(f.kind != "fragment" and f.end >= end.spans[-1][1] for f in found)
        return replace(text, found, keep), tokens, "" if finished else kept_tail(text)

    def _tail_key(self, conversation: str) -> str:
        return "pii-tail:" + conversation_key(conversation)  # a hash: no sender id in Redis

    async def _recall_tail(self, conversation: str) -> str:
        sealed = await self.limits.recall(self._tail_key(conversation))
        return (self.vault.cipher.decrypt(sealed) or "") if sealed else ""

    async def _keep_tail(self, conversation: str, tail: str, had_tail: bool) -> None:
        if tail:
            await self.limits.remember(self._tail_key(conversation), self.vault.cipher.encrypt(tail), TAIL_TTL_S)
        elif had_tail:
            await self.limits.forget(self._tail_key(conversation))

    async def handle(self, inbound: Inbound) -> Turn:
        turn = await self._handle(inbound)
        self.metrics.turn(inbound.channel, outcome_of(turn))
        return turn

    async def _handle(self, inbound: Inbound) -> Turn:
        if not await self.limits.allow(inbound.conversation, self.rate_per_minute):
            self.metrics.turn(inbound.channel, "rate_limited")
            raise RateLimited(RATE_LIMITED_REPLY)
        if inbound.payload:
            await asyncio.to_thread(check_payload, inbound.payload)
            message, tokens = inbound.payload, list[str]()
            shown = inbound.title[:100] or inbound.payload
            if inbound.title:
                shown, _, _ = await asyncio.to_thread(self._redact, inbound, shown)
        else:
            text = inbound.text.strip()
            if not text:
                return Turn([Reply(EMPTY_REPLY)])
            if len(text) > self.max_message_chars:
                return Turn([Reply(TOO_LONG_REPLY.format(limit=self.max_message_chars))])
            tail = await self._recall_tail(inbound.conversation)
            message, tokens, next_tail = await asyncio.to_thread(self._redact, inbound, text, tail)
            await self._keep_tail(inbound.conversation, next_tail, bool(tail))
            shown, message = message, as_words(message)
        conversation, channel = inbound.conversation, inbound.channel
        if await asyncio.to_thread(self.handoffs.status, conversation) == STAFF:
            # A person has this conversation: the bot stays silent, the console shows the message.
            # [handoff hold] Unless that person left the worker unanswered too long: then it is back
            # in the queue and the worker is told so, once (api/handoff/store.py, lapse_if_silent).
            notice = await asyncio.to_thread(self.handoffs.lapse_if_silent, conversation)
            held = [StoredMessage(role="user", text=shown)] + (
                [StoredMessage(role="bot", text=notice)] if notice else []
            )
            await asyncio.to_thread(self.history.add, conversation, channel, held)
            await asyncio.to_thread(self.handoffs.touch, conversation, channel, shown)
            return Turn([Reply(notice, id=held[-1].id)] if notice else [], handoff=True, with_staff=True)
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

"""The quality loop: what the bot could not answer, grouped; and the figures over time.

Reads the conversation history (texts already masked): a worker's message counts as
unanswered when the bot's reply to it found nothing in scope, failed, or handed over;
similar unanswered questions are grouped (cosine of their embeddings, api/quality/grouping.py)
so the office can write one approved answer for a group. Only the newest N of them are read
(API_GAPS_MAX_QUESTIONS): a year of history is never loaded for one report. The daily
figures — volume by channel and topic, fallback rate, handoff rate, satisfaction from
👍/👎 — feed the dashboard's charts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select

from api.conversations.history import FeedbackRow, History, MessageRow
from api.quality.grouping import group_by_meaning

Encode = Callable[[list[str]], np.ndarray]
# An answer given with less scope confidence than this is worth the office's look too.
LOW_CONFIDENCE = 0.5
GROUP_SIMILARITY = 0.9  # e5 query vectors: unrelated questions score 0.81–0.87, paraphrases 0.93+
READ_BATCH = 2000  # messages per query when reading the newest questions


@dataclass
class Exchange:
    conversation: str
    channel: str
    question: str
    at: datetime
    answered: bool
    handoff: bool
    failed: bool
    topic: str
    confidence: float | None = None  # search's calibrated scope confidence, when the bot searched
    seq: int = 0  # the message's place in the store

    @property
    def low_confidence(self) -> bool:
        return self.answered and self.confidence is not None and self.confidence < LOW_CONFIDENCE


@dataclass
class Gap:
    question: str  # the most recent wording
    count: int
    low_confidence: int = 0  # of which answered, but unsurely
    examples: list[str] = field(default_factory=list)
    last_at: str = ""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _apply_reply(pending: Exchange, meta: dict[str, Any]) -> None:
    """What one bot reply says about the question before it (the first evidence counts)."""
    evidence = meta.get("evidence") or {}
    pending.failed = pending.failed or bool(meta.get("failed"))
    pending.handoff = pending.handoff or bool(meta.get("handoff"))
    if evidence:
        pending.topic = pending.topic or str(evidence.get("intent") or "")
        pending.answered = pending.answered and bool(evidence.get("in_scope"))
        scope = evidence.get("scope_confidence")
        if isinstance(scope, (int, float)) and pending.confidence is None:
            pending.confidence = float(scope)
    if pending.failed:
        pending.answered = False


def _question(seq: int, conversation: str, channel: str, text: str, at: datetime) -> Exchange:
    return Exchange(conversation, channel, text, _aware(at), True, False, False, "", seq=seq)


def is_gap(exchange: Exchange) -> bool:
    """Unanswered or unsurely answered, and typed (a button's /payload is no question)."""
    return (not exchange.answered or exchange.low_confidence) and not exchange.question.startswith("/")


def exchanges(history: History, since: datetime) -> list[Exchange]:
    """Each worker message with what the bot made of it (its first reply's evidence)."""
    with history.sessions() as session:
        rows = session.scalars(
            select(MessageRow).where(MessageRow.created_at >= since).order_by(MessageRow.conversation, MessageRow.seq)
        ).all()
    found: list[Exchange] = []
    pending: Exchange | None = None
    for row in rows:
        if row.role == "user":
            pending = _question(row.seq, row.conversation, row.channel, row.text, row.created_at)
            found.append(pending)
        elif row.role == "bot" and pending is not None and pending.conversation == row.conversation:
            _apply_reply(pending, row.meta or {})
        elif row.role == "staff":
            pending = None
    return found


def newest_message(history: History) -> int:
    """The newest message's place in the store (0 when there is none): cheap, on the primary key."""
    with history.sessions() as session:
        return int(session.scalar(select(func.max(MessageRow.seq))) or 0)


def newest_gaps(history: History, since: datetime, limit: int) -> tuple[list[Exchange], bool]:
    """The newest ``limit`` unanswered or unsure questions since ``since``; True when older ones were left out.

    Reads the messages newest first, a batch at a time, and stops once it has ``limit``:
    a year of history is never loaded whole. Going backwards, a conversation's bot
    replies come before the question they answer, so they wait in ``replies`` for it
    (a staff message in between cuts them off, as it does reading forwards).
    """
    found: list[Exchange] = []
    replies: dict[str, list[dict[str, Any]]] = {}
    columns = (
        MessageRow.seq,
        MessageRow.conversation,
        MessageRow.channel,
        MessageRow.role,
        MessageRow.text,
        MessageRow.meta,
        MessageRow.created_at,
    )
    before: int | None = None
    with history.sessions() as session:
        while True:
            query = select(*columns).where(MessageRow.created_at >= since)
            if before is not None:
                query = query.where(MessageRow.seq < before)
            rows = session.execute(query.order_by(MessageRow.seq.desc()).limit(READ_BATCH)).all()
            if not rows:
                return found, False
            for seq, conversation, channel, role, text, meta, at in rows:
                before = seq
                if role == "bot":
                    replies.setdefault(conversation, []).append(meta or {})
                elif role == "staff":
                    replies.pop(conversation, None)
                elif role == "user":
                    question = _question(seq, conversation, channel, text, at)
                    for reply in reversed(replies.pop(conversation, [])):
                        _apply_reply(question, reply)
                    if is_gap(question):
                        if len(found) == limit:
                            return found, True
                        found.append(question)


def gaps(items: list[Exchange], encode: Encode, similarity: float = GROUP_SIMILARITY) -> list[Gap]:
    """Unanswered and low-confidence questions grouped by meaning, the largest group first."""
    # Conversation by conversation, in order: the order the grouping has always seen them in.
    questions = sorted((e for e in items if is_gap(e)), key=lambda e: (e.conversation, e.seq))
    if not questions:
        return []
    members = group_by_meaning(encode([e.question for e in questions]), similarity)
    groups = []
    for indices in members:
        ordered = sorted(indices, key=lambda i: questions[i].at, reverse=True)
        texts = list(dict.fromkeys(questions[i].question for i in ordered))
        groups.append(
            Gap(
                question=texts[0],
                count=len(indices),
                low_confidence=sum(questions[i].low_confidence for i in indices),
                examples=texts[:5],
                last_at=questions[ordered[0]].at.isoformat(),
            )
        )
    return sorted(groups, key=lambda g: (-g.count, g.question))


def daily_figures(history: History, items: list[Exchange], since: datetime) -> list[dict[str, Any]]:
    """Per day: messages by channel and topic, fallback, handoff and satisfaction rates."""
    days: dict[date, list[Exchange]] = defaultdict(list)
    for e in items:
        days[e.at.date()].append(e)
    with history.sessions() as session:
        ratings = session.execute(
            select(FeedbackRow.rating, FeedbackRow.created_at).where(FeedbackRow.created_at >= since)
        ).all()
    votes: dict[date, Counter[str]] = defaultdict(Counter)
    for rating, at in ratings:
        votes[_aware(at).date()][rating] += 1
    figures = []
    day = since.date()
    while day <= datetime.now(UTC).date():
        todays = days.get(day, [])
        questions = [e for e in todays if not e.question.startswith("/")]
        up, down = votes[day]["up"], votes[day]["down"]
        figures.append(
            {
                "day": day.isoformat(),
                "messages": len(todays),
                "by_channel": dict(Counter(e.channel for e in todays)),
                "by_topic": dict(Counter(e.topic for e in questions if e.topic)),
                "fallback_rate": round(sum(not e.answered for e in questions) / len(questions), 3)
                if questions
                else None,
                "handoff_rate": round(sum(e.handoff for e in todays) / len(todays), 3) if todays else None,
                "satisfaction": round(up / (up + down), 3) if up + down else None,
                "ratings": up + down,
            }
        )
        day += timedelta(days=1)
    return figures

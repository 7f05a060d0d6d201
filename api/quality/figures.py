"""The quality loop: what the bot could not answer, grouped; and the figures over time.

Reads the conversation history (texts already masked): a worker's message counts as
unanswered when the bot's reply to it found nothing in scope, failed, or handed over;
similar unanswered questions are grouped (cosine of their embeddings) so the office can
write one approved answer for a group. The daily figures — volume by channel and topic,
fallback rate, handoff rate, satisfaction from 👍/👎 — feed the dashboard's charts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select

from api.conversations.history import FeedbackRow, History, MessageRow

Encode = Callable[[list[str]], np.ndarray]
# An answer given with less scope confidence than this is worth the office's look too.
LOW_CONFIDENCE = 0.5
GROUP_SIMILARITY = 0.9  # e5 query vectors: unrelated questions score 0.81–0.87, paraphrases 0.93+


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
            pending = Exchange(row.conversation, row.channel, row.text, _aware(row.created_at), True, False, False, "")
            found.append(pending)
        elif row.role == "bot" and pending is not None and pending.conversation == row.conversation:
            meta = row.meta or {}
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
        elif row.role == "staff":
            pending = None
    return found


def gaps(items: list[Exchange], encode: Encode, similarity: float = GROUP_SIMILARITY) -> list[Gap]:
    """Unanswered and low-confidence questions grouped by meaning, the largest group first."""
    questions = [e for e in items if (not e.answered or e.low_confidence) and not e.question.startswith("/")]
    if not questions:
        return []
    vectors = encode([e.question for e in questions])
    centroids: list[np.ndarray] = []
    members: list[list[int]] = []
    for index, vector in enumerate(vectors):
        scores = [float(np.dot(vector, c / np.linalg.norm(c))) for c in centroids]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= similarity:
            members[best].append(index)
            centroids[best] = centroids[best] + vector
        else:
            centroids.append(vector.copy())
            members.append([index])
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

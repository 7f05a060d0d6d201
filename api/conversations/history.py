"""Every conversation's messages, as the worker saw them, with personal data already masked.

The widget restores a conversation from here after a reload; the staff console
(later) reads transcripts and feedback from the same tables. Texts are stored after
redaction: the numbers a worker typed never reach this store.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine

HISTORY_LIMIT = 200  # messages a reload brings back


class MessageRow(Base):
    __tablename__ = "messages"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True, index=True)
    conversation: Mapped[str] = mapped_column(String(200), index=True)  # "<channel>:<sender>"
    channel: Mapped[str] = mapped_column(String(20), index=True)
    role: Mapped[str] = mapped_column(String(10))  # user | bot | staff
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    citations: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FeedbackRow(Base):
    __tablename__ = "feedback"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # One vote per reply (migration 0008): a second vote changes the first.
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id"), index=True, unique=True)
    rating: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass
class StoredMessage:
    role: str
    text: str
    buttons: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: secrets.token_hex(8))
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "role": self.role,
            "text": self.text,
            "buttons": self.buttons,
            "citations": self.citations,
            "at": self.at.isoformat(),
        }


class History:
    def __init__(self, url: str) -> None:
        self.engine = shared_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def add(self, conversation: str, channel: str, messages: list[StoredMessage]) -> None:
        with self.sessions() as session:
            for m in messages:
                session.add(
                    MessageRow(
                        id=m.id,
                        conversation=conversation,
                        channel=channel,
                        role=m.role,
                        text=m.text,
                        buttons=m.buttons,
                        citations=m.citations,
                        meta=m.meta,
                        created_at=m.at,
                    )
                )
            session.commit()

    def messages(self, conversation: str, limit: int = HISTORY_LIMIT) -> list[StoredMessage]:
        with self.sessions() as session:
            rows = session.scalars(
                select(MessageRow)
                .where(MessageRow.conversation == conversation)
                .order_by(MessageRow.seq.desc())
                .limit(limit)
            ).all()
        return [
            StoredMessage(
                role=r.role,
                text=r.text,
                buttons=list(r.buttons),
                citations=list(r.citations),
                meta=dict(r.meta),
                id=r.id,
                at=r.created_at,
            )
            for r in reversed(rows)
        ]

    def span(self, conversation: str) -> tuple[datetime, datetime] | None:
        """When the conversation's first and last messages were stored; None before its first."""
        with self.sessions() as session:
            first, last = session.execute(
                select(func.min(MessageRow.created_at), func.max(MessageRow.created_at)).where(
                    MessageRow.conversation == conversation
                )
            ).one()
        if first is None or last is None:
            return None
        return first, last

    def add_feedback(self, conversation: str, message_id: str, rating: str) -> bool:
        """The worker's vote on a reply: one per reply, a new vote replaces the old one.

        False when the message is not a bot reply of this conversation.
        """
        with self.sessions() as session:
            row = session.scalar(
                select(MessageRow).where(
                    MessageRow.id == message_id, MessageRow.conversation == conversation, MessageRow.role == "bot"
                )
            )
            if row is None:
                return False
            now = datetime.now(UTC)
            changed = session.execute(
                update(FeedbackRow).where(FeedbackRow.message_id == message_id).values(rating=rating, created_at=now)
            )
            if not getattr(changed, "rowcount", 0):
                session.add(FeedbackRow(message_id=message_id, rating=rating, created_at=now))
            try:
                session.commit()
            except IntegrityError:  # two first votes at once: the other one is stored, this one changes it
                session.rollback()
                session.execute(
                    update(FeedbackRow)
                    .where(FeedbackRow.message_id == message_id)
                    .values(rating=rating, created_at=now)
                )
                session.commit()
            return True

    def purge_before(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete whole conversations whose newest message is older than the retention period."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        stale = (
            select(MessageRow.conversation)
            .group_by(MessageRow.conversation)
            .having(func.max(MessageRow.created_at) < cutoff)
        )
        with self.sessions() as session:
            stale_ids = select(MessageRow.id).where(MessageRow.conversation.in_(stale))
            session.execute(delete(FeedbackRow).where(FeedbackRow.message_id.in_(stale_ids)))
            result = session.execute(delete(MessageRow).where(MessageRow.conversation.in_(stale)))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

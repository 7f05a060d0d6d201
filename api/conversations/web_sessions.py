"""How long a web chat stays open to its session id: shared phones and internet cafés.

The widget's session id is the only key to a conversation. On a borrowed phone or a café
computer the next person holds that key too, so a conversation closes for good after a
while without messages (idle), after a day whatever happens (lifetime), or when the worker
presses 结束对话 (ended). A closed id gets no history and can send nothing more: the
widget starts a new id, and so a new Rasa conversation, with none of the old form's
answers (employer, amount, phone) to resume.

Nothing is deleted here: the staff console keeps the transcript until the retention purge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.conversations.history import History, StoredMessage
from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class EndedRow(Base):
    """A conversation the worker ended (结束对话): its id is never served again."""

    __tablename__ = "ended_conversations"

    conversation: Mapped[str] = mapped_column(String(200), primary_key=True)
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=24)
    recent_messages: int = 20  # what a reload brings back, at most

    def is_over(self, first_at: datetime, last_at: datetime, now: datetime) -> bool:
        """True when the conversation has been quiet too long, or has simply gone on too long."""
        return now - last_at >= self.idle or now - first_at >= self.lifetime


class WebSessions:
    def __init__(self, url: str, history: History, policy: SessionPolicy, clock: Clock = utc_now) -> None:
        self.sessions = sessionmaker(shared_engine(url), expire_on_commit=False)
        self.history = history
        self.policy = policy
        self.clock = clock

    def is_over(self, conversation: str) -> bool:
        """Ended, idle or too old. A conversation with no messages yet is open (a fresh id)."""
        with self.sessions() as session:
            if session.get(EndedRow, conversation) is not None:
                return True
        span = self.history.span(conversation)
        return span is not None and self.policy.is_over(*span, self.clock())

    def recent(self, conversation: str) -> list[StoredMessage] | None:
        """The last messages of an open conversation; None when it is over (nothing is served)."""
        if self.is_over(conversation):
            return None
        return self.history.messages(conversation, limit=self.policy.recent_messages)

    def end(self, conversation: str) -> None:
        """Close the conversation for good; again is fine. An id with no messages has nothing to close."""
        if self.history.span(conversation) is None:
            return
        # Insert first (no read before the write: on SQLite that fails when another writes between).
        with self.sessions() as session:
            session.add(EndedRow(conversation=conversation, ended_at=self.clock()))
            try:
                session.commit()
            except IntegrityError:  # ended before, or at the same moment from another tab: already done
                session.rollback()

    def purge_before(self, retention_days: int, now: datetime | None = None) -> int:
        """Forget ends older than the retention period (their messages are gone by then too)."""
        cutoff = (now or self.clock()) - timedelta(days=retention_days)
        with self.sessions() as session:
            result = session.execute(delete(EndedRow).where(EndedRow.ended_at < cutoff))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

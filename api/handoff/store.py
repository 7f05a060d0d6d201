"""Who is answering a conversation: the bot, nobody yet (waiting for a person), or a staff member.

The bot asks for a person (the worker said 转人工, or it could not answer twice) and the
adapter marks the conversation waiting; a staff member takes it over (the bot stays
silent for it), replies into the worker's channel, and hands it back.

A conversation never stays stuck with a person who is gone: an admin may take over or release
any conversation (force), an account deactivated or signed out everywhere gives its
conversations back to the queue (release_held_by), a staff member who leaves the worker
unanswered for longer than the hold time loses the conversation to the queue, and the worker
is told so once (lapse_if_silent), and a conversation the worker ended leaves the queue (close).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import IMMEDIATE, shared_engine
from api.privacy.redact import redact

BOT, WAITING, STAFF = "bot", "waiting", "staff"
# Why a conversation is back in the queue after its staff member stopped answering (a REASONS code).
STAFF_SILENT = "staff_silent"
# Why it is back after its staff member's account was deactivated or signed out everywhere.
STAFF_GONE = "staff_gone"
# What the worker is told, once, when the conversation goes back to the queue that way.
HOLD_LAPSED_NOTICE = (
    "工作人员暂时没能回复您，已为您重新排队，其他工作人员会尽快回复。"
    "您也可以先问我问题；急事请拨打12333（人社服务热线）。"
)


class StateRow(Base):
    __tablename__ = "conversation_state"

    conversation: Mapped[str] = mapped_column(String(200), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(10), index=True, default=BOT)
    reason: Mapped[str] = mapped_column(String(40), default="")
    topic: Mapped[str] = mapped_column(String(40), default="")
    requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True, index=True)
    taken_by: Mapped[str] = mapped_column(String(64), default="")
    taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_text: Mapped[str] = mapped_column(Text, default="")  # masked, like the history
    last_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # While a person has it: the worker's first message since that person last answered (or took it).
    unanswered_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class TakenByOther(Exception):
    def __init__(self, who: str) -> None:
        super().__init__(who)
        self.who = who


@dataclass(frozen=True)
class State:
    conversation: str
    channel: str
    status: str
    reason: str
    topic: str
    requested_at: datetime | None
    taken_by: str
    last_text: str
    last_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.conversation,
            "channel": self.channel,
            "status": self.status,
            "reason": self.reason,
            "topic": self.topic,
            "requested_at": self.requested_at.isoformat() if self.requested_at else None,
            "taken_by": self.taken_by,
            "last_text": self.last_text,
            "last_at": self.last_at.isoformat(),
        }


def _state(row: StateRow) -> State:
    return State(
        conversation=row.conversation,
        channel=row.channel,
        status=row.status,
        reason=row.reason,
        topic=row.topic,
        requested_at=row.requested_at,
        taken_by=row.taken_by,
        last_text=row.last_text,
        last_at=row.last_at,
    )


def _to_bot(row: StateRow) -> None:
    row.status, row.taken_by, row.reason, row.requested_at, row.unanswered_since = BOT, "", "", None, None


def _to_queue(row: StateRow, since: datetime, reason: str) -> None:
    """Back to waiting: the original request keeps its place in the queue."""
    row.status, row.taken_by, row.unanswered_since, row.reason = WAITING, "", None, reason
    row.requested_at = row.requested_at or since


QUEUE_PAGE = 50


@dataclass(frozen=True)
class QueuePage:
    items: list[State]
    total: int  # waiting and taken, on every page
    waiting: int  # of those, waiting for a person


class HandoffStore:
    def __init__(self, url: str, hold_minutes: float = 20) -> None:
        self.engine = shared_engine(url)
        self.hold = timedelta(minutes=hold_minutes)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Each change reads the row, then writes it. On SQLite a deferred transaction that
        # read fails at once ("database is locked") when another conversation wrote in
        # between; these take the write lock first and wait their turn instead.
        self.changes = sessionmaker(self.engine.execution_options(**IMMEDIATE), expire_on_commit=False)

    def get(self, conversation: str) -> State | None:
        with self.sessions() as session:
            row = session.get(StateRow, conversation)
            return _state(row) if row else None

    def status(self, conversation: str) -> str:
        state = self.get(conversation)
        return state.status if state else BOT

    def touch(self, conversation: str, channel: str, last_text: str, topic: str = "", answered: bool = False) -> None:
        """Record activity (for the console's lists); creates the row on a conversation's first message.

        ``answered``: a staff member's reply, so the worker is no longer waiting for one.
        """
        now = datetime.now(UTC)
        with self.changes() as session:
            row = session.get(StateRow, conversation)
            if row is None:
                row = StateRow(conversation=conversation, channel=channel, status=BOT, last_at=now)
                session.add(row)
            # Whoever wrote it (a worker's masked message, a staff reply), no personal number is kept.
            row.last_text, row.last_at = redact(last_text)[0][:500], now
            if topic:
                row.topic = topic
            if answered:
                row.unanswered_since = None
            session.commit()

    def request(self, conversation: str, channel: str, reason: str) -> None:
        """The worker needs a person; a conversation a person already has stays theirs."""
        now = datetime.now(UTC)
        with self.changes() as session:
            row = session.get(StateRow, conversation)
            if row is None:
                row = StateRow(conversation=conversation, channel=channel, last_at=now)
                session.add(row)
            if row.status != STAFF:
                if row.status != WAITING or row.requested_at is None:
                    row.requested_at = now  # a second request keeps the worker's place in the queue
                row.status, row.reason = WAITING, reason[:40]
            session.commit()

    def withdraw(self, conversation: str, since: datetime) -> bool:
        """Take back a request for a person made at ``since`` or later that nobody has taken yet.

        For a request over its address's limit: it leaves the queue at once. True if withdrawn.
        """
        with self.changes() as session:
            row = session.scalar(select(StateRow).where(StateRow.conversation == conversation).with_for_update())
            if row is None or row.status != WAITING or row.requested_at is None or row.requested_at < since:
                return False
            row.status, row.reason, row.requested_at = BOT, "", None
            session.commit()
            return True

    def take(self, conversation: str, who: str, force: bool = False) -> State:
        """``who`` answers the conversation from now on; ``force`` (an admin) takes it from another."""
        with self.changes() as session:
            row = session.scalar(select(StateRow).where(StateRow.conversation == conversation).with_for_update())
            if row is None:
                raise KeyError(conversation)
            if row.status == STAFF and row.taken_by and row.taken_by != who and not force:
                raise TakenByOther(row.taken_by)
            row.status, row.taken_by, row.taken_at = STAFF, who, datetime.now(UTC)
            row.unanswered_since = None
            session.commit()
            return _state(row)

    def release(self, conversation: str, who: str, force: bool = False) -> State:
        """Hand the conversation back to the bot; ``force`` (an admin) for one another person has."""
        with self.changes() as session:
            row = session.get(StateRow, conversation)
            if row is None:
                raise KeyError(conversation)
            if row.status == STAFF and row.taken_by != who and not force:
                raise TakenByOther(row.taken_by)
            _to_bot(row)
            session.commit()
            return _state(row)

    def close(self, conversation: str) -> None:
        """The worker ended the conversation: it leaves the queue, whoever had it (nobody can answer it now)."""
        with self.changes() as session:
            row = session.get(StateRow, conversation)
            if row is not None and row.status != BOT:
                _to_bot(row)
                session.commit()

    def release_held_by(self, who: str) -> int:
        """Give every conversation ``who`` has back to the queue, each keeping its place; returns how many.

        For an account deactivated or signed out everywhere: nobody else could answer them otherwise.
        """
        with self.changes() as session:
            rows = session.scalars(
                select(StateRow).where(StateRow.status == STAFF, StateRow.taken_by == who).with_for_update()
            ).all()
            for row in rows:
                _to_queue(row, row.unanswered_since or datetime.now(UTC), STAFF_GONE)
            session.commit()
            return len(rows)

    def lapse_if_silent(self, conversation: str, now: datetime | None = None) -> str | None:
        """The worker wrote to a conversation a person has: start the wait for an answer, or end it.

        When the worker has waited longer than the hold time, the conversation goes back to the
        queue, keeping its place, and this returns the notice to tell the worker (once: it is no
        longer held). None while the person still has it.
        """
        now = now or datetime.now(UTC)
        with self.changes() as session:
            row = session.get(StateRow, conversation)
            if row is None or row.status != STAFF:
                return None
            if row.unanswered_since is None:
                row.unanswered_since = now
                session.commit()
                return None
            if now - row.unanswered_since < self.hold:
                return None
            _to_queue(row, row.unanswered_since, STAFF_SILENT)
            session.commit()
            return HOLD_LAPSED_NOTICE

    def queue(self, limit: int = QUEUE_PAGE, offset: int = 0) -> QueuePage:
        """One page of the waiting and taken conversations, the oldest request first, with the counts.

        Paged: anyone can ask for a person, so the queue may be long; the console shows a page.
        """
        queued = StateRow.status.in_([WAITING, STAFF])
        with self.sessions() as session:
            rows = session.scalars(
                select(StateRow)
                .where(queued)
                # The conversation breaks ties, so that pages neither repeat nor skip a row.
                .order_by(StateRow.requested_at, StateRow.conversation)
                .limit(limit)
                .offset(offset)
            ).all()
            counts = dict(
                session.execute(select(StateRow.status, func.count()).where(queued).group_by(StateRow.status)).all()
            )
        return QueuePage(
            items=[_state(r) for r in rows],
            total=sum(int(n) for n in counts.values()),
            waiting=int(counts.get(WAITING, 0)),
        )

    def recent(self, channel: str = "", status: str = "", limit: int = 50, topic: str = "") -> list[State]:
        with self.sessions() as session:
            query = select(StateRow).order_by(StateRow.last_at.desc()).limit(limit)
            if channel:
                query = query.where(StateRow.channel == channel)
            if topic:
                query = query.where(StateRow.topic == topic)
            if status:
                query = query.where(StateRow.status == status)
            return [_state(r) for r in session.scalars(query).all()]

    def purge_before(self, retention_days: int, now: datetime | None = None) -> int:
        """Forget the console state of conversations quiet for longer than the retention period."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        with self.sessions() as session:
            result = session.execute(delete(StateRow).where(StateRow.last_at < cutoff))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

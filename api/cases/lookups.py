"""How often a case-status lookup may fail: per case number and per conversation.

A lookup from a conversation other than the one that filed the case must give the
last four digits of the contact phone. Four digits are only 10,000 guesses, so failed
attempts are counted in the database (shared by every api process): after
``MAX_FAILURES`` within ``WINDOW`` a key is refused until its window has passed.
A number that does not exist is counted exactly like one that does, so the refusal
tells nobody whether a number exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import IMMEDIATE

MAX_FAILURES = 5
WINDOW = timedelta(hours=1)


class LookupFailureRow(Base):
    __tablename__ = "case_lookup_failures"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # case:<number> or conversation:<hash>
    window_start: Mapped[datetime] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer)


def case_key(case_number: str) -> str:
    return f"case:{case_number.upper()}"


def conversation_lookup_key(conversation: str) -> str:
    return f"conversation:{conversation}"


class LookupGuard:
    def __init__(self, engine: Engine, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW) -> None:
        # SQLite: a count reads, then writes; a deferred transaction would fail at once ("database is
        # locked") when another connection wrote in between, so these take the write lock first.
        self.sessions = sessionmaker(engine.execution_options(**IMMEDIATE), expire_on_commit=False)
        self.max_failures = max_failures
        self.window = window

    def blocked(self, keys: Iterable[str], now: datetime | None = None) -> bool:
        """True while any of the keys has used up its failures in the current window."""
        since = (now or datetime.now(UTC)) - self.window
        with self.sessions() as session:
            rows = session.scalars(select(LookupFailureRow).where(LookupFailureRow.key.in_(list(keys)))).all()
            return any(row.window_start > since and row.failures >= self.max_failures for row in rows)

    def failed(self, keys: Iterable[str], now: datetime | None = None) -> None:
        """Count one failure against each key; a window that has passed starts again."""
        moment = now or datetime.now(UTC)
        for key in keys:
            for _ in range(3):  # two processes may insert the same new key at once: count again
                if self._count(key, moment):
                    break
        with self.sessions() as session:  # windows long past count for nothing: the table stays small
            session.execute(delete(LookupFailureRow).where(LookupFailureRow.window_start <= moment - self.window))
            session.commit()

    def _count(self, key: str, moment: datetime) -> bool:
        with self.sessions() as session:
            row = session.scalar(select(LookupFailureRow).where(LookupFailureRow.key == key).with_for_update())
            if row is None:
                session.add(LookupFailureRow(key=key, window_start=moment, failures=1))
            elif row.window_start <= moment - self.window:
                row.window_start, row.failures = moment, 1
            else:
                row.failures += 1
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return False
            return True

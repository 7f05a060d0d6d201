"""Wage-arrears cases: stored with a case number the worker can look up.

SQLite by default (``sqlite:///.cache/cases.db``), any SQLAlchemy URL otherwise.
Case numbers are ``GY-<date>-<8 characters>`` (40 random bits; numbers given before
were ``GY-<date>-<4 characters>`` and are still looked up). The number alone shows
nothing: the conversation that filed a case sees its status, anyone else must also
give the last four digits of its contact phone (actions/check_case_status.py), with
failed attempts limited (api/cases/lookups.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Integer, String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.cases.lookups import LookupGuard
from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine
from api.privacy.vault import Cipher

CASE_SUFFIX_CHARS = 8  # 32 letters ** 8 = 2 ** 40 numbers a day
LOCAL_TIME = ZoneInfo("Asia/Shanghai")  # where the workers and the office are
CASE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
STATUS_LABELS = {
    "received": "已受理，等待工作人员核实",
    "processing": "处理中",
    "closed": "已办结",
}


class CaseRow(Base):
    __tablename__ = "wage_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(20), default="received")
    status_note: Mapped[str] = mapped_column(Text, default="")
    conversation: Mapped[str] = mapped_column(String(64), index=True)  # a hash, never the raw id
    sector: Mapped[str] = mapped_column(String(20))
    employer: Mapped[str] = mapped_column(String(200))
    place: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(100))
    amount_yuan: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_text: Mapped[str] = mapped_column(String(100))
    workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    evidence: Mapped[list[str]] = mapped_column(JSON)
    # The worker's phone, encrypted (api.privacy.vault.Cipher); emptied after the retention period.
    contact_cipher: Mapped[str] = mapped_column(Text, default="")
    contact_masked: Mapped[str] = mapped_column(String(32), default="")
    needs_review: Mapped[list[str]] = mapped_column(JSON)  # fields the bot could not read


@dataclass(frozen=True)
class WageIntake:
    sector: str
    employer: str
    place: str
    period: str
    amount_text: str
    amount_yuan: int | None
    workers: int | None
    evidence: list[str]
    contact_cipher: str
    contact_masked: str
    needs_review: list[str]


@dataclass(frozen=True)
class Case:
    case_number: str
    status: str
    status_label: str
    status_note: str
    created_at: datetime
    updated_at: datetime
    details: dict[str, Any]


@dataclass(frozen=True)
class CaseAccess:
    """What decides who may see a case: the filing conversation's hash and the encrypted phone."""

    case: Case
    conversation: str
    contact_cipher: str


def conversation_key(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:32]


def new_case_number(now: datetime) -> str:
    """GY-<the day in Shanxi>-<random>: the date the worker filed it on their own calendar (a case
    filed at 03:00 Beijing time carried the UTC date, a day before)."""
    suffix = "".join(secrets.choice(CASE_ALPHABET) for _ in range(CASE_SUFFIX_CHARS))
    return f"GY-{now.astimezone(LOCAL_TIME):%Y%m%d}-{suffix}"


def _case(row: CaseRow) -> Case:
    return Case(
        case_number=row.case_number,
        status=row.status,
        status_label=STATUS_LABELS.get(row.status, row.status),
        status_note=row.status_note,
        created_at=row.created_at,
        updated_at=row.updated_at,
        details={
            "sector": row.sector,
            "employer": row.employer,
            "place": row.place,
            "period": row.period,
            "amount_yuan": row.amount_yuan,
            "amount_text": row.amount_text,
            "workers": row.workers,
            "evidence": list(row.evidence),
            "contact": row.contact_masked,
            "needs_review": list(row.needs_review),
        },
    )


class CaseStore:
    def __init__(self, url: str) -> None:
        self.engine = shared_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.lookups = LookupGuard(self.engine)

    def create(self, intake: WageIntake, sender_id: str) -> Case:
        now = datetime.now(UTC)
        for _ in range(10):  # a clash of the random suffix on the same day is rare; retry
            row = CaseRow(
                case_number=new_case_number(now),
                created_at=now,
                updated_at=now,
                status="received",
                status_note="",
                conversation=conversation_key(sender_id),
                sector=intake.sector,
                employer=intake.employer,
                place=intake.place,
                period=intake.period,
                amount_yuan=intake.amount_yuan,
                amount_text=intake.amount_text,
                workers=intake.workers,
                evidence=intake.evidence,
                contact_cipher=intake.contact_cipher,
                contact_masked=intake.contact_masked,
                needs_review=intake.needs_review,
            )
            with self.sessions() as session:
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return _case(row)
        raise RuntimeError("could not allocate a case number")

    def get(self, case_number: str) -> Case | None:
        with self.sessions() as session:
            row = session.scalar(select(CaseRow).where(CaseRow.case_number == case_number.upper()))
            return _case(row) if row else None

    def access(self, case_number: str) -> CaseAccess | None:
        """The case with what a status lookup checks before showing it; None for an unknown number."""
        with self.sessions() as session:
            row = session.scalar(select(CaseRow).where(CaseRow.case_number == case_number.upper()))
            if row is None:
                return None
            return CaseAccess(_case(row), row.conversation, row.contact_cipher)

    def find(self, status: str = "", text: str = "", limit: int = 100) -> list[Case]:
        """Cases for the console, newest first; ``text`` matches the number, employer or place."""
        query = select(CaseRow).order_by(CaseRow.created_at.desc()).limit(limit)
        if status:
            query = query.where(CaseRow.status == status)
        if text:
            like = f"%{text}%"
            query = query.where(
                CaseRow.case_number.ilike(like) | CaseRow.employer.ilike(like) | CaseRow.place.ilike(like)
            )
        with self.sessions() as session:
            return [_case(row) for row in session.scalars(query).all()]

    def ciphertext_contact(self, case_number: str) -> str | None:
        """The encrypted phone of a case (for staff with the key), None once purged."""
        with self.sessions() as session:
            row = session.scalar(select(CaseRow).where(CaseRow.case_number == case_number.upper()))
            return row.contact_cipher if row and row.contact_cipher else None

    def contact(self, case_number: str, cipher: Cipher) -> str | None:
        """The phone of a case, decrypted, for the staff member who calls the worker back.

        None for an unknown case, one without a phone, or one whose phone was purged.
        """
        sealed = self.ciphertext_contact(case_number)
        return cipher.decrypt(sealed) if sealed else None

    def set_status(self, case_number: str, status: str, note: str = "") -> Case:
        if status not in STATUS_LABELS:
            raise ValueError(f"unknown status {status}")
        with self.sessions() as session:
            row = session.scalar(select(CaseRow).where(CaseRow.case_number == case_number.upper()))
            if row is None:
                raise KeyError(case_number)
            row.status, row.status_note, row.updated_at = status, note, datetime.now(UTC)
            session.commit()
            return _case(row)

    def purge_cases(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete cases untouched for longer than the retention period (their contacts went earlier)."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        with self.sessions() as session:
            result = session.execute(delete(CaseRow).where(CaseRow.updated_at < cutoff))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    def purge_contacts(self, retention_days: int, now: datetime | None = None) -> int:
        """Delete the phone numbers of cases older than the retention period; the case stays."""
        cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        with self.sessions() as session:
            result = session.execute(
                update(CaseRow)
                .where(CaseRow.created_at < cutoff, CaseRow.contact_cipher != "")
                .values(contact_cipher="", contact_masked="")
            )
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

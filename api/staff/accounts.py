"""Staff accounts and their login sessions (workers never log in: they stay anonymous).

Passwords are kept as argon2 hashes; a session is a random token in a cookie, of which
the database keeps only the SHA-256, so a copy of the database opens no session.
Roles are ordered: staff < editor < admin; a higher role may do what a lower one may.

``python -m api.staff create-admin NAME`` makes accounts (see api/staff/cli.py).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine

ROLES = ("staff", "editor", "admin")  # in rising order of what they may do
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024  # hashing is slow on purpose; a huge password must not make it slower
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
# last_seen is written at most this often: a page of console requests makes one write, not many.
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request the store refuses (the message is for people)."""


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SessionRow(Base):
    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str


def has_role(role: str, needed: str) -> bool:
    """True when ``role`` is ``needed`` or above it."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalize_username(username: str) -> str:
    return username.strip().lower()


def _user(row: UserRow) -> User:
    return User(id=row.id, username=row.username, role=row.role)


class AccountStore:
    def __init__(
        self,
        url: str,
        session_hours: float = 8.0,
        session_idle_minutes: float = 60.0,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.engine = shared_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.lifetime = timedelta(hours=session_hours)
        self.idle = timedelta(minutes=session_idle_minutes)
        self.hasher = hasher or PasswordHasher()
        # Unknown usernames are checked against this, so they take as long as a wrong password.
        self.dummy_hash = self.hasher.hash(secrets.token_hex(16))

    def create_user(self, username: str, password: str, role: str, now: datetime | None = None) -> User:
        name = normalize_username(username)
        if not USERNAME_RE.match(name):
            raise AccountError("用户名只能用字母、数字和 _ . @ -，2 到 64 个字符")
        if role not in ROLE_RANK:
            raise AccountError(f"角色只能是 {'、'.join(ROLES)}")
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"密码至少要 {MIN_PASSWORD_CHARS} 个字符")
        if len(password) > MAX_PASSWORD_CHARS:
            raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符")
        row = UserRow(
            username=name,
            password_hash=self.hasher.hash(password),
            role=role,
            active=True,
            created_at=now or datetime.now(UTC),
        )
        with self.sessions() as session:
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise AccountError(f"用户名 {name} 已经有人用了") from None
            return _user(row)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the account active; None otherwise, alike."""
        password = password[:MAX_PASSWORD_CHARS]
        with self.sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == normalize_username(username)))
            if row is None:
                self._verify(self.dummy_hash, password)
                return None
            if not self._verify(row.password_hash, password) or not row.active:
                return None
            if self.hasher.check_needs_rehash(row.password_hash):
                # Stronger parameters since this hash was made: the password is at hand to redo it.
                row.password_hash = self.hasher.hash(password)
                session.commit()
            return _user(row)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def start_session(self, user: User, now: datetime | None = None) -> str:
        """A new session for the user; returns the token for the cookie (only its hash is kept)."""
        now = now or datetime.now(UTC)
        token = secrets.token_urlsafe(32)
        with self.sessions() as session:
            session.add(
                SessionRow(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + self.lifetime,
                    last_seen=now,
                )
            )
            session.commit()
        return token

    def user_for_token(self, token: str, now: datetime | None = None) -> User | None:
        """The session's user, or None when the session is unknown, too old, idle too long or its user inactive."""
        now = now or datetime.now(UTC)
        with self.sessions() as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.token_hash == token_hash(token))
            ).first()
            if found is None:
                return None
            row, user = found
            last_seen = row.last_seen
            if now >= row.expires_at or now - last_seen >= self.idle or not user.active:
                session.delete(row)
                session.commit()
                return None
            if now - last_seen >= TOUCH_EVERY:
                row.last_seen = now
                session.commit()
            return _user(user)

    def end_session(self, token: str) -> None:
        with self.sessions() as session:
            session.execute(delete(SessionRow).where(SessionRow.token_hash == token_hash(token)))
            session.commit()

    def purge_sessions(self, now: datetime | None = None) -> int:
        """Delete the sessions past their absolute lifetime."""
        with self.sessions() as session:
            result = session.execute(delete(SessionRow).where(SessionRow.expires_at <= (now or datetime.now(UTC))))
            session.commit()
            return int(getattr(result, "rowcount", 0) or 0)


"""Staff accounts and their login sessions (workers never log in: they stay anonymous).

Passwords are kept as argon2 hashes (api/staff/passwords.py); a session is a random token
in a cookie, of which the database keeps only the SHA-256, so a copy of the database opens
no session. Roles are ordered: staff < editor < admin; a higher role may do what a lower one may.

Admins (the console's accounts page, or ``python -m api.staff``) list accounts, change
roles, deactivate and reactivate them, reset passwords and end sessions; everyone changes
their own password. Each change is a row in ``staff_audit``. The last active admin can be
neither demoted nor deactivated, so the office never locks itself out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from api.db.base import Base, UtcDateTime
from api.db.engine import shared_engine
from api.staff.passwords import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    PasswordChecks,
    owasp_hasher,
    password_problem,
)

ROLES = ("staff", "editor", "admin")  # in rising order of what they may do
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}
# An admin setting a password waits this long for a hashing slot (a login never waits).
ADMIN_HASH_WAIT_S = 5.0
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.@-]{1,63}$")
# last_seen is written at most this often: a page of console requests makes one write, not many.
TOUCH_EVERY = timedelta(minutes=1)


class AccountError(ValueError):
    """A request the store refuses (the message is for people)."""


class UnknownAccount(AccountError):
    """No account has that username."""


class LastAdmin(AccountError):
    """The change would leave no active admin."""


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


class StaffAuditRow(Base):
    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    username: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text())


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str


@dataclass(frozen=True)
class Account:
    """An account as the admin page lists it."""

    username: str
    role: str
    active: bool
    created_at: datetime
    sessions: int  # open sessions
    last_seen: datetime | None  # the newest of its open sessions


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    username: str
    note: str


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
        checks: PasswordChecks | None = None,
    ) -> None:
        self.engine = shared_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.lifetime = timedelta(hours=session_hours)
        self.idle = timedelta(minutes=session_idle_minutes)
        self.hasher = hasher or owasp_hasher()
        self.checks = checks or PasswordChecks()
        # Unknown usernames are checked against this, so they take as long as a wrong password.
        self.dummy_hash = self.hasher.hash(secrets.token_hex(16))
        # Called with the username when an account is deactivated or signed out everywhere, after
        # the change is committed: its conversations go back to the queue (api/container.py).
        self.signed_out: list[Callable[[str], object]] = []

    def _tell_signed_out(self, username: str) -> None:
        for hook in self.signed_out:
            hook(username)

    def create_user(
        self, username: str, password: str, role: str, now: datetime | None = None, actor: str = "cli"
    ) -> User:
        name = normalize_username(username)
        if not USERNAME_RE.match(name):
            raise AccountError("用户名只能用字母、数字和 _ . @ -，2 到 64 个字符")
        if role not in ROLE_RANK:
            raise AccountError(f"角色只能是 {'、'.join(ROLES)}")
        # Length only here (like Django's create_user): the CLI vets a new account's password
        # in full (password_problem) before it comes here; tests make accounts with any password.
        if len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(f"密码至少要 {MIN_PASSWORD_CHARS} 个字符")
        if len(password) > MAX_PASSWORD_CHARS:
            raise AccountError(f"密码最多 {MAX_PASSWORD_CHARS} 个字符")
        now = now or datetime.now(UTC)
        row = UserRow(username=name, password_hash=self._hash(password), role=role, active=True, created_at=now)
        with self.sessions() as session:
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise AccountError(f"用户名 {name} 已经有人用了") from None
            self._audit(session, actor, "create", name, f"角色 {role}", now)
            session.commit()
            return _user(row)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is right and the account active; None otherwise, alike.

        Raises PasswordChecksBusy, before hashing anything, when every hashing slot is taken.
        """
        password = password[:MAX_PASSWORD_CHARS]
        with self.checks.slot(), self.sessions() as session:
            row = session.scalar(select(UserRow).where(UserRow.username == normalize_username(username)))
            if row is None:
                self._verify(self.dummy_hash, password)
                return None
            if not self._verify(row.password_hash, password) or not row.active:
                return None
            if self.hasher.check_needs_rehash(row.password_hash):
                # Other parameters since this hash was made: the password is at hand to redo it.
                row.password_hash = self.hasher.hash(password)
                session.commit()
            return _user(row)

    # ---- changing accounts (each writes an audit row) ----

    def change_own_password(
        self, user: User, old: str, new: str, keep_token: str | None = None, now: datetime | None = None
    ) -> bool:
        """False when ``old`` is not the password; otherwise set ``new`` and end every other session."""
        self._check_new_password(new, user.username)
        with self.checks.slot(ADMIN_HASH_WAIT_S), self.sessions() as session:
            row = session.get(UserRow, user.id)
            if row is None or not row.active or not self._verify(row.password_hash, old[:MAX_PASSWORD_CHARS]):
                return False
            row.password_hash = self.hasher.hash(new)
            self._end_sessions(session, row.id, keep=token_hash(keep_token) if keep_token else None)
            self._audit(session, user.username, "password", row.username, "本人修改，其他登录已退出", now)
            session.commit()
            return True

    def reset_password(self, actor: str, username: str, new: str, now: datetime | None = None) -> None:
        """An admin sets someone's password: every session of that account ends."""
        with self.sessions() as session:
            row = self._row(session, username)
            self._check_new_password(new, row.username)
            row.password_hash = self._hash(new)
            ended = self._end_sessions(session, row.id)
            self._audit(session, actor, "reset", row.username, f"重设密码，退出 {ended} 个登录", now)
            session.commit()
        self._tell_signed_out(row.username)

    def set_active(self, actor: str, username: str, active: bool, now: datetime | None = None) -> None:
        """Deactivating ends the account's sessions at once; the last active admin stays active."""
        with self.sessions() as session:
            row = self._row(session, username)
            if row.active == active:
                return
            if not active:
                self._keep_an_admin(session, row)
            row.active = active
            ended = self._end_sessions(session, row.id) if not active else 0
            note = f"停用，退出 {ended} 个登录" if not active else "重新启用"
            self._audit(session, actor, "deactivate" if not active else "reactivate", row.username, note, now)
            session.commit()
        if not active:
            self._tell_signed_out(row.username)

    def set_role(self, actor: str, username: str, role: str, now: datetime | None = None) -> None:
        """A new role applies to the account's next request (sessions read it from the account)."""
        if role not in ROLE_RANK:
            raise AccountError(f"角色只能是 {'、'.join(ROLES)}")
        with self.sessions() as session:
            row = self._row(session, username)
            if row.role == role:
                return
            if role != "admin":
                self._keep_an_admin(session, row)
            note = f"{row.role} → {role}"
            row.role = role
            self._audit(session, actor, "role", row.username, note, now)
            session.commit()

    def revoke_sessions(self, actor: str, username: str, now: datetime | None = None) -> int:
        """End every session of the account (it signs in again); returns how many ended."""
        with self.sessions() as session:
            row = self._row(session, username)
            ended = self._end_sessions(session, row.id)
            self._audit(session, actor, "revoke", row.username, f"退出 {ended} 个登录", now)
            session.commit()
        self._tell_signed_out(row.username)
        return ended

    def record(self, actor: str, action: str, note: str, now: datetime | None = None) -> None:
        """An audit row for something a staff member did that is not an account change (e.g. 显示电话)."""
        with self.sessions() as session:
            self._audit(session, actor, action, normalize_username(actor), note, now)
            session.commit()

    def accounts(self, now: datetime | None = None) -> list[Account]:
        now = now or datetime.now(UTC)
        with self.sessions() as session:
            open_sessions = (
                select(SessionRow.user_id, func.count().label("n"), func.max(SessionRow.last_seen).label("seen"))
                .where(SessionRow.expires_at > now)
                .group_by(SessionRow.user_id)
                .subquery()
            )
            rows = session.execute(
                select(UserRow, open_sessions.c.n, open_sessions.c.seen)
                .outerjoin(open_sessions, open_sessions.c.user_id == UserRow.id)
                .order_by(UserRow.username)
            ).all()
            return [
                Account(user.username, user.role, user.active, user.created_at, int(n or 0), seen)
                for user, n, seen in rows
            ]

    def audit(self, username: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The newest audit rows first, for one account or all."""
        with self.sessions() as session:
            query = select(StaffAuditRow).order_by(StaffAuditRow.id.desc()).limit(limit)
            if username:
                query = query.where(StaffAuditRow.username == normalize_username(username))
            return [AuditEntry(r.at, r.actor, r.action, r.username, r.note) for r in session.scalars(query)]

    def _row(self, session: Session, username: str) -> UserRow:
        row = session.scalar(select(UserRow).where(UserRow.username == normalize_username(username)))
        if row is None:
            raise UnknownAccount(f"没有 {normalize_username(username)} 这个账号")
        return row

    def _keep_an_admin(self, session: Session, row: UserRow) -> None:
        """Refuse to take away the last active admin (row is about to stop being one)."""
        if row.role != "admin" or not row.active:
            return
        # Every active admin's row locked (FOR UPDATE on PostgreSQL; SQLite writes one at a time),
        # this one included: two admins demoting each other at once wait for each other, and the
        # second then sees the first's change, so they cannot both pass.
        admins = session.scalars(
            select(UserRow.id)
            .where(UserRow.role == "admin", UserRow.active.is_(True))
            .order_by(UserRow.id)  # always locked in the same order: no deadlock between two such changes
            .with_for_update()
        ).all()
        if not [admin for admin in admins if admin != row.id]:
            raise LastAdmin("这是最后一个启用的管理员账号，不能停用或降级")

    def _end_sessions(self, session: Session, user_id: int, keep: str | None = None) -> int:
        query = delete(SessionRow).where(SessionRow.user_id == user_id)
        if keep is not None:
            query = query.where(SessionRow.token_hash != keep)
        result = session.execute(query)
        return int(getattr(result, "rowcount", 0) or 0)

    def note_lockout(self, username: str, seconds: int, now: datetime | None = None) -> None:
        """In the admins' audit: the account's logins are paused (someone is guessing its password).

        Only lockouts are written, never each failure: a guesser could fill the table otherwise.
        """
        with self.sessions() as session:
            if session.scalar(select(UserRow.id).where(UserRow.username == normalize_username(username))) is None:
                return  # a name nobody has: nothing to tell an admin about
            minutes = max(1, seconds // 60)
            self._audit(
                session, "系统", "lockout", normalize_username(username), f"登录尝试太多，暂停 {minutes} 分钟", now
            )
            session.commit()

    def _audit(self, session: Session, actor: str, action: str, username: str, note: str, now: datetime | None) -> None:
        at = now or datetime.now(UTC)
        session.add(StaffAuditRow(at=at, actor=actor, action=action, username=username, note=note))

    def _check_new_password(self, password: str, username: str) -> None:
        problem = password_problem(password, username)
        if problem:
            raise AccountError(problem)

    def _hash(self, password: str) -> str:
        with self.checks.slot(ADMIN_HASH_WAIT_S):
            return self.hasher.hash(password)

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
        key = token_hash(token)
        with self.sessions() as session:
            found = session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.token_hash == key)
            ).first()
            if found is None:
                return None
            row, user = found
            over = now >= row.expires_at or now - row.last_seen >= self.idle or not user.active
            stale = now - row.last_seen >= TOUCH_EVERY
            signed_in = _user(user)
        # The write is a transaction of its own: on SQLite, a reading transaction that then writes
        # fails at once ("database is locked") when another request wrote in between.
        if over:
            self.end_session(token)
            return None
        if stale:
            with self.sessions() as session:
                session.execute(update(SessionRow).where(SessionRow.token_hash == key).values(last_seen=now))
                session.commit()
        return signed_in

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

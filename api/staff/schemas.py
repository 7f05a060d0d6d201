"""What the staff login and accounts routes take and answer (api/staff/routes.py, account_routes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.staff.passwords import MAX_PASSWORD_CHARS

Role = Literal["staff", "editor", "admin"]


class MeOut(BaseModel):
    """The signed-in staff member."""

    username: str
    role: Role


class PasswordChangeIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class AccountOut(BaseModel):
    username: str
    role: Role
    active: bool
    created_at: datetime
    sessions: int  # open sessions
    last_seen: datetime | None


class AccountsOut(BaseModel):
    items: list[AccountOut]


class AccountChangeIn(BaseModel):
    """One change to an account: a role, active or not (whichever are given)."""

    role: Role | None = None
    active: bool | None = None


class PasswordResetIn(BaseModel):
    new_password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


class RevokedOut(BaseModel):
    ended: int


class AuditEntryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    username: str
    note: str


class AuditOut(BaseModel):
    items: list[AuditEntryOut]

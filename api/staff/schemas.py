"""What the staff login routes answer (api/staff/routes.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class MeOut(BaseModel):
    """The signed-in staff member."""

    username: str
    role: Literal["staff", "editor", "admin"]

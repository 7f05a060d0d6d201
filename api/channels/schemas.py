"""What the JSON channels answer: the web widget (web.py) and partner systems (partner.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Button(BaseModel):
    title: str
    payload: str


class Citation(BaseModel):
    doc: str
    item: int
    title: str
    quote: str
    departments: list[str]


class ReplyOut(BaseModel):
    id: str
    text: str
    buttons: list[Button]
    citations: list[Citation]


class MessagesOut(BaseModel):
    replies: list[ReplyOut]
    handoff: bool


class HistoryMessage(BaseModel):
    id: str
    role: Literal["user", "bot", "staff"]
    text: str
    buttons: list[Button]
    citations: list[Citation]
    at: str


class HistoryOut(BaseModel):
    messages: list[HistoryMessage]
    # The id's conversation is over (ended, idle or a day old): the widget starts a new id.
    ended: bool
    # The widget clears its own screen after this long without a message, and after max_seconds.
    idle_seconds: int
    max_seconds: int

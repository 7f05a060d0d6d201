"""What the staff console's API answers (api/handoff/routes.py), as the console's pages read it.

Times are ISO 8601 strings, exactly as the stores write them. Buttons, citations and
evidence are passed on as the bot produced them, so they stay open objects here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LabelsOut(BaseModel):
    """Chinese names for the codes the console shows; a code not listed is shown as is."""

    intents: dict[str, str]
    topics: list[str] = Field(description="the conversation list's topic filter, in this order")
    reasons: dict[str, str]
    forms: dict[str, str]
    channels: dict[str, str]


class ConversationState(BaseModel):
    """Who is answering a conversation, and its latest message (HandoffState.to_json)."""

    id: str
    channel: str
    status: str = Field(description="bot, waiting (for a person) or staff")
    reason: str = Field(description="why it waits for a person; empty when it does not")
    topic: str = Field(description="the bot's intent for the latest question")
    requested_at: str | None
    taken_by: str
    last_text: str
    last_at: str


class ConversationList(BaseModel):
    items: list[ConversationState]


class QueueOut(BaseModel):
    """One page of the handoff queue, oldest request first."""

    items: list[ConversationState]
    total: int = Field(description="waiting and taken conversations in the whole queue")
    waiting: int = Field(description="of those, the ones nobody has taken yet")
    limit: int
    offset: int


class TranscriptMessage(BaseModel):
    """One stored message (StoredMessage.to_json) with the bot's evidence for it."""

    id: str
    role: str = Field(description="user, bot or staff")
    text: str
    buttons: list[dict[str, Any]]
    citations: list[dict[str, Any]]
    at: str
    evidence: dict[str, Any] | None = Field(description="the bot's reasons for an answer: intent, scores, hits")


class ConversationOut(ConversationState):
    messages: list[TranscriptMessage]


class ReplySent(BaseModel):
    delivered: bool = Field(description="whether the worker's channel took the reply at once")


class CaseOut(BaseModel):
    case_number: str
    status: str
    status_label: str
    status_note: str
    created_at: str
    updated_at: str
    details: dict[str, Any] = Field(description="what the worker filled in, masked as stored")


class CaseList(BaseModel):
    items: list[CaseOut]


class ContactOut(BaseModel):
    """A case's contact phone in clear (显示电话); answered with Cache-Control: no-store."""

    case_number: str
    phone: str

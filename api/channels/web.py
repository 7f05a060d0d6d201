"""The web channel: what the widget (and tests) talk to.

Sessions are random ids the page makes and keeps; the client's address is used only to count
requests (api/address_limits.py), never stored.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel, Field, model_validator

from api.address_limits import client_address, per_address
from api.channels import json_api
from api.channels.schemas import HistoryOut
from api.channels.schemas import MessagesOut as MessagesOut  # re-exported: tests/fuzz validates answers with it
from api.conversations.turn import PAYLOAD_PATTERN
from api.deps import ConversationsDep, HandoffsDep, LimitsDep, SettingsDep, WebSessionsDep
from api.errors import documented

router = APIRouter(prefix="/api/web", tags=["web"])

SESSION_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
SessionId = Annotated[str, Field(pattern=SESSION_PATTERN, description="a random id kept by the page")]
# What a closed id is told (410): the widget then starts a new conversation.
SESSION_OVER = "这次对话已经结束了。请重新开始对话。"


class MessageIn(BaseModel):
    session_id: SessionId
    # Long texts are answered with a friendly reply; the body limit stops the absurd ones.
    text: str = Field(default="", max_length=20_000)
    payload: str = Field(
        default="", max_length=400, pattern=PAYLOAD_PATTERN, description="a button's payload, e.g. /affirm"
    )
    title: str = Field(default="", max_length=200, description="the button's title, shown as the worker's message")

    @model_validator(mode="after")
    def one_of_text_or_payload(self) -> MessageIn:
        if self.text and self.payload:
            raise ValueError("send text or a button payload, not both")
        return self


class FeedbackIn(BaseModel):
    session_id: SessionId
    reply_id: str = Field(max_length=32)
    rating: Literal["up", "down"]


@router.post(
    "/messages",
    response_model=MessagesOut,
    responses=documented(400, 410, 413, 429),
    # Per address as well as per session: fresh session ids are free to make.
    dependencies=[per_address("messages", "messages_per_address_per_minute")],
)
async def post_message(
    request: Request,
    conversations: ConversationsDep,
    sessions: WebSessionsDep,
    handoffs: HandoffsDep,
    limits: LimitsDep,
    settings: SettingsDep,
    body: MessageIn,
) -> Any:
    try:
        inbound = json_api.parse_web(body.session_id, body.text, body.payload, body.title)
    except json_api.Refused as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from None
    # A closed id (shared phone) must not reach its old Rasa conversation and resume the wage form.
    if await asyncio.to_thread(sessions.is_over, inbound.conversation):
        raise HTTPException(status_code=410, detail=SESSION_OVER)
    started = datetime.now(UTC)
    try:
        answer = await json_api.answer(conversations, inbound)
    except json_api.Refused as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from None
    address, per_minute = client_address(request), settings.handoffs_per_address_per_minute
    await json_api.limit_new_handoff(answer, inbound.conversation, started, handoffs, limits, address, per_minute)
    return answer


class EndIn(BaseModel):
    session_id: SessionId


@router.get("/history", response_model=HistoryOut)
async def history(sessions: WebSessionsDep, session_id: Annotated[str, Query(pattern=SESSION_PATTERN)]) -> Any:
    """The last few messages of an open conversation; nothing at all once it is over."""
    recent = await asyncio.to_thread(sessions.recent, f"web:{session_id}")
    return {
        "messages": [m.to_json() for m in recent or []],
        "ended": recent is None,
        "idle_seconds": int(sessions.policy.idle.total_seconds()),
        "max_seconds": int(sessions.policy.lifetime.total_seconds()),
    }


@router.post("/end", status_code=204, responses=documented(413))
async def end(sessions: WebSessionsDep, handoffs: HandoffsDep, body: EndIn) -> Response:
    """结束对话: the id is closed for good (again is fine); the staff console keeps the transcript."""
    await asyncio.to_thread(sessions.end, f"web:{body.session_id}")
    await asyncio.to_thread(handoffs.close, f"web:{body.session_id}")  # out of the staff queue: nobody to answer
    return Response(status_code=204)


@router.post(
    "/feedback",
    status_code=204,
    responses=documented(404, 413, 429),
    dependencies=[per_address("feedback", "feedback_per_address_per_minute")],
)
async def feedback(conversations: ConversationsDep, body: FeedbackIn) -> Response:
    if not await conversations.feedback(f"web:{body.session_id}", body.reply_id, body.rating):
        raise HTTPException(status_code=404, detail="没有找到这条回答")
    return Response(status_code=204)

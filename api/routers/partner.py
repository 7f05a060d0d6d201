"""The generic JSON channel for other systems (WeCom or DingTalk bridges, a hotline system).

Authenticated with an API key in ``X-API-Key`` (API_CHANNEL_API_KEYS); the answers are
the web channel's, so a bridge renders citations and buttons its own way.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from api.conversation import PAYLOAD_PATTERN, BadPayload, Conversations, Inbound, RateLimited
from api.errors import documented
from api.routers.web import MessagesOut

router = APIRouter(prefix="/api/channels/json", tags=["partner"])


class PartnerMessage(BaseModel):
    source: str = Field(pattern=r"^[a-z0-9_-]{1,20}$", description="the calling system, e.g. wecom, hotline")
    user_id: str = Field(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$", description="the user's id in that system")
    text: str = Field(default="", max_length=20_000)
    payload: str = Field(default="", max_length=400, pattern=PAYLOAD_PATTERN)


def _check_key(request: Request, key: str | None) -> None:
    keys: list[str] = request.app.state.settings.channel_api_key_list
    if not keys:
        raise HTTPException(status_code=503, detail="this channel has no API keys configured")
    if not key or not any(hmac.compare_digest(key.encode(), k.encode()) for k in keys):
        raise HTTPException(status_code=401, detail="API key missing or wrong")


@router.post(
    "/messages",
    response_model=MessagesOut,
    responses=documented(400, 401, 413, 429, 503),
)
async def post_message(
    request: Request, body: PartnerMessage, x_api_key: Annotated[str | None, Header()] = None
) -> Any:
    _check_key(request, x_api_key)
    conversations: Conversations = request.app.state.conversations
    inbound = Inbound(channel=body.source, sender=body.user_id, text=body.text, payload=body.payload)
    try:
        turn = await conversations.handle(inbound)
    except RateLimited as exc:
        raise HTTPException(status_code=429, detail=str(exc)) from None
    except BadPayload as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    return {"replies": [r.to_json() for r in turn.replies], "handoff": turn.handoff}

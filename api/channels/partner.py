"""The generic JSON channel for other systems (WeCom or DingTalk bridges, a hotline system).

Authenticated with an API key in ``X-API-Key`` (API_CHANNEL_API_KEYS), each key bound to the
sources it may speak for (api/partner_keys.py); the answers are the web channel's,
so a bridge renders citations and buttons its own way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request
from pydantic import BaseModel, Field

from api.address_limits import client_address, refusal
from api.channels import json_api
from api.channels.schemas import MessagesOut
from api.conversations.turn import PAYLOAD_PATTERN
from api.deps import ConversationsDep, LimitsDep, SettingsDep
from api.errors import documented

router = APIRouter(prefix="/api/channels/json", tags=["partner"])
WRONG_KEYS_PER_MINUTE = 10
KEY_PAUSE_S = 15 * 60
KEY_GUESSING = "这个地址的 API 密钥错误太多，已暂停 15 分钟"


class PartnerMessage(BaseModel):
    source: str = Field(pattern=r"^[a-z0-9_-]{1,20}$", description="the calling system, e.g. wecom, hotline")
    user_id: str = Field(pattern=r"^[A-Za-z0-9_.:@-]{1,64}$", description="the user's id in that system")
    text: str = Field(default="", max_length=20_000)
    payload: str = Field(default="", max_length=400, pattern=PAYLOAD_PATTERN)


@router.post(
    "/messages",
    response_model=MessagesOut,
    responses=documented(400, 401, 403, 413, 429, 503),
)
async def post_message(
    request: Request,
    conversations: ConversationsDep,
    settings: SettingsDep,
    limits: LimitsDep,
    body: PartnerMessage,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Any:
    address = client_address(request)
    # Wrong keys are counted per address: a partner's system never needs many, a guesser does.
    if await limits.recall(f"partner-key-refused:{address}") is not None:
        raise refusal(KEY_GUESSING, KEY_PAUSE_S)
    try:
        try:
            allowed = json_api.verify_api_key(x_api_key, settings.channel_api_key_sources)
        except json_api.Refused as exc:
            if exc.status == 401 and not await limits.allow(f"partner-key-wrong:{address}", WRONG_KEYS_PER_MINUTE):
                await limits.remember(f"partner-key-refused:{address}", "1", KEY_PAUSE_S)
            raise
        json_api.verify_source(body.source, allowed)  # before anything touches the conversation
        inbound = json_api.parse_partner(body.source, body.user_id, body.text, body.payload)
        return await json_api.answer(conversations, inbound)
    except json_api.Refused as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from None

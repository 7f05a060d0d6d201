"""The WeChat official account channel (safe mode) at /wechat.

GET answers WeChat's URL check. POST takes one encrypted message: refused unless it is
fresh, signed and for our app id; processed once however often WeChat delivers it;
answered within the deadline by a passive reply. A slower answer, and every part after
the first of a long one, follows through the customer-service API. This router owns
its lifespan (the API client and the deliveries still running), so registering it is
all api/main.py has to do. The answering itself is in delivery.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse

from api.channels.registry import ChannelRegistry
from api.channels.wechat.client import WeChatClient
from api.channels.wechat.delivery import (
    CLAIM_LEASE_S,
    DEDUPE_TTL_S,
    FOLLOW_UP_DELAY_S,
    SHUTDOWN_GRACE_S,
    WeChatChannel,
    answer_turn,
    claimed_by_retry,
    deliver,
    deliver_when_done,
    holding,
    inbound_for,
)
from api.channels.wechat.protocol import (
    SUCCESS,
    WORKING,
    Envelope,
    Message,
    Refused,
    fresh,
    plan_for,
    signature_ok,
    split_for_wechat,
)
from api.deps import ConversationsDep
from api.settings import ApiSettings

log = logging.getLogger(__name__)

QueryValue = Annotated[str, Query(max_length=128)]


def _envelope(settings: ApiSettings) -> Envelope | None:
    if not (settings.wechat_token and settings.wechat_aes_key and settings.wechat_app_id):
        return None
    try:
        return Envelope(settings.wechat_token, settings.wechat_aes_key, settings.wechat_app_id)
    except Exception as exc:  # a wrong key disables WeChat, not the whole api
        log.error("WeChat channel disabled: bad API_WECHAT_AES_KEY (%s)", type(exc).__name__)
        return None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: ApiSettings = app.state.settings
    client = WeChatClient(settings.wechat_api_base, settings.wechat_app_id, settings.wechat_app_secret)
    channel = WeChatChannel(
        envelope=_envelope(settings),
        client=client,
        token=settings.wechat_token,
        deadline_s=settings.wechat_reply_deadline_s,
        window_s=settings.wechat_timestamp_window_s,
    )
    app.state.wechat = channel
    container = getattr(app.state, "container", None)  # the app's lifespan has run before this one
    registry: ChannelRegistry | None = container.channels if container is not None else None
    if registry is not None and channel.envelope is not None:

        async def push(openid: str, text: str) -> bool:
            # In order, each part within WeChat's size limit.
            for part in split_for_wechat(text):
                if not await client.send_text(openid, part):
                    return False
            return True

        registry.register("wechat", push)
    try:
        yield
    finally:
        await channel.finish(SHUTDOWN_GRACE_S)
        await client.close()


router = APIRouter(tags=["wechat"], lifespan=lifespan)


def wechat_channel(request: Request) -> WeChatChannel:
    """The channel this router's lifespan made; 404 while the account is not configured."""
    channel: WeChatChannel | None = getattr(request.app.state, "wechat", None)
    if channel is None or channel.envelope is None:
        raise HTTPException(status_code=404, detail="未开通微信公众号渠道")
    return channel


WeChatDep = Annotated[WeChatChannel, Depends(wechat_channel)]


NOT_CONFIGURED: dict[int | str, dict[str, Any]] = {404: {"description": "the WeChat channel is not configured"}}


@router.get(
    "/wechat",
    response_class=PlainTextResponse,
    responses={**NOT_CONFIGURED, 403: {"description": "bad signature"}},
)
async def verify_url(
    channel: WeChatDep,
    signature: QueryValue = "",
    timestamp: QueryValue = "",
    nonce: QueryValue = "",
    echostr: QueryValue = "",
) -> PlainTextResponse:
    if not signature_ok(channel.token, signature, timestamp, nonce):
        log.warning("WeChat URL check refused: bad signature")
        raise HTTPException(status_code=403, detail="签名无效")
    return PlainTextResponse(echostr)


@router.post(
    "/wechat",
    response_class=Response,
    responses={
        200: {
            "description": "the encrypted passive reply, or `success` (nothing to say, or a repeated delivery)",
            "content": {"application/xml": {}, "text/plain": {}},
        },
        **NOT_CONFIGURED,
        400: {"description": "malformed message"},
        403: {"description": "not a genuine WeChat message"},
    },
)
async def receive(
    request: Request,
    channel: WeChatDep,
    conversations: ConversationsDep,
    timestamp: QueryValue = "",
    nonce: QueryValue = "",
    encrypt_type: QueryValue = "",
    msg_signature: QueryValue = "",
) -> Response:
    envelope = channel.envelope
    if envelope is None:  # never: wechat_channel refuses a channel without one
        raise HTTPException(status_code=404, detail="未开通微信公众号渠道")
    if encrypt_type != "aes":
        raise HTTPException(status_code=403, detail="只接受安全模式的消息")
    if not fresh(timestamp, time.time(), channel.window_s):
        log.warning("WeChat message refused: timestamp outside the window")
        raise HTTPException(status_code=403, detail="消息已过期")
    try:
        message = envelope.open(await request.body(), msg_signature, timestamp, nonce)
    except Refused as exc:
        log.warning("WeChat message refused: %s", exc.reason)
        raise HTTPException(status_code=exc.status, detail="消息无效") from None

    limits = conversations.limits
    key = "wechat:" + message.dedupe_key
    if not await limits.claim(key, CLAIM_LEASE_S) and not await claimed_by_retry(limits, key, channel.deadline_s):
        log.info("WeChat %s: repeated delivery acknowledged", message.msg_type[:20])
        return PlainTextResponse(SUCCESS)
    plan = plan_for(message)
    log.info("WeChat %s: %s", message.msg_type[:20], plan.outcome)
    if plan.ask is None:
        await limits.settle(key, DEDUPE_TTL_S)
        return _passive(envelope, message, plan.answer, nonce, timestamp)

    inbound = await inbound_for(limits, message.sender, plan.ask)
    answer = channel.start(holding(limits, key, answer_turn(conversations, inbound)))
    done, _ = await asyncio.wait({answer}, timeout=channel.deadline_s)
    if answer in done:
        parts: list[str] = answer.result()
        if len(parts) > 1:
            channel.start(deliver(channel.client, message.sender, parts[1:], after_s=FOLLOW_UP_DELAY_S))
        return _passive(envelope, message, parts[0] if parts else "", nonce, timestamp)
    log.info("WeChat %s: answer late, will follow through the API", message.msg_type[:20])
    channel.start(deliver_when_done(channel.client, message.sender, answer))
    return _passive(envelope, message, WORKING, nonce, timestamp)


def _passive(envelope: Envelope, message: Message, text: str, nonce: str, timestamp: str) -> Response:
    if not text:
        return PlainTextResponse(SUCCESS)
    return Response(envelope.seal(message, text, nonce, timestamp), media_type="application/xml")

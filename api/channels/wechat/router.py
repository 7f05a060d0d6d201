"""The WeChat official account channel (safe mode) at /wechat.

GET answers WeChat's URL check. POST takes one encrypted message: refused unless it is
fresh, signed and for our app id; processed once however often WeChat delivers it;
answered within the deadline by a passive reply. A slower answer, and every part after
the first of a long one, follows through the customer-service API. This router owns
its lifespan (the API client and the deliveries still running), so registering it is
all app.py has to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse

from api.channels.registry import ChannelRegistry
from api.channels.wechat.client import WeChatClient
from api.channels.wechat.protocol import (
    CHOICE_EXPIRED,
    SUCCESS,
    WORKING,
    Envelope,
    Message,
    Refused,
    chosen_number,
    decode_choices,
    encode_choices,
    fresh,
    plan_for,
    render_turn,
    signature_ok,
    split_for_wechat,
)
from api.conversations.limits import Limits
from api.conversations.turn import FAILURE_REPLY, BadPayload, Conversations, Inbound, RateLimited
from api.deps import ConversationsDep
from api.settings import ApiSettings

log = logging.getLogger(__name__)

DEDUPE_TTL_S = 3600  # WeChat retries within seconds; an hour is plenty
# A message is claimed for this long and the claim renewed while it is answered: if the process
# dies (a crash, a restart), the claim runs out before WeChat's next retry (5 s), which takes over.
CLAIM_LEASE_S = 3
RETRY_POLL_S = 0.25
CHOICES_TTL_S = 600  # a "1" answers the buttons shown in the last ten minutes
SHUTDOWN_GRACE_S = 10.0  # answers still on their way get this long at shutdown
# The rest of a long answer waits this long, so that it arrives after the passive first part.
FOLLOW_UP_DELAY_S = 1.0

QueryValue = Annotated[str, Query(max_length=128)]


@dataclass
class WeChatChannel:
    envelope: Envelope | None  # None: the channel is not configured
    client: WeChatClient
    token: str
    deadline_s: float
    window_s: int
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def start(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, strongly referenced until done (the loop keeps only weak ones)."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def finish(self, grace_s: float) -> None:
        if self.tasks:
            _, pending = await asyncio.wait(set(self.tasks), timeout=grace_s)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)


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


# --- one message -------------------------------------------------------------------------------


def _choices_key(openid: str) -> str:
    return "wechat:choices:" + openid


async def _inbound(limits: Limits, openid: str, text: str) -> Inbound:
    """A bare number picks one of the buttons last shown to this worker."""
    number = chosen_number(text)
    if number:
        choices = decode_choices(await limits.recall(_choices_key(openid)))
        if number <= len(choices):
            chosen = choices[number - 1]
            if not chosen["payload"].startswith("/"):
                # A form's answer button ("工程建设") stands for words typed, as in Rasa's own channels.
                return Inbound(channel="wechat", sender=openid, text=chosen["payload"])
            return Inbound(channel="wechat", sender=openid, payload=chosen["payload"], title=chosen["title"])
    return Inbound(channel="wechat", sender=openid, text=text)


async def _answer(conversations: Conversations, inbound: Inbound) -> list[str]:
    """The turn as WeChat messages, in order; never raises (a failure is an apology)."""
    try:
        turn = await conversations.handle(inbound)
    except RateLimited as exc:
        return [str(exc)]
    except BadPayload:
        return [CHOICE_EXPIRED]
    except Exception as exc:  # the worker gets the apology; the log gets the kind only, no content
        log.error("WeChat turn failed: %s", type(exc).__name__)
        return [FAILURE_REPLY]
    rendered = render_turn(turn)
    key = _choices_key(inbound.sender)
    if rendered.choices:
        await conversations.limits.remember(key, encode_choices(rendered.choices), CHOICES_TTL_S)
    else:
        await conversations.limits.forget(key)  # an old "1" must not pick a stale button
    return split_for_wechat(rendered.text)


async def _holding(limits: Limits, key: str, work: Coroutine[Any, Any, list[str]]) -> list[str]:
    """Do the claimed work, renewing the claim meanwhile; done (for every retry) once the answer exists."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(CLAIM_LEASE_S / 3)
            await limits.hold(key, CLAIM_LEASE_S)

    renewing = asyncio.create_task(renew())
    try:
        return await work
    finally:
        renewing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await renewing
        await limits.settle(key, DEDUPE_TTL_S)


async def _claimed_by_retry(limits: Limits, key: str, deadline_s: float) -> bool:
    """A repeated delivery: wait while another process answers; take over if it died meanwhile.

    False: the work is done or still held by a live process at the deadline (it answers
    through the customer-service API), so this delivery only acknowledges.
    """
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        state = await limits.claim_state(key)
        if state == "done":
            return False
        if state is None and await limits.claim(key, CLAIM_LEASE_S):
            return True
        await asyncio.sleep(RETRY_POLL_S)
    return False


async def _deliver(client: WeChatClient, openid: str, parts: list[str], after_s: float = 0.0) -> None:
    await asyncio.sleep(after_s)
    for index, part in enumerate(parts):
        if not await client.send_text(openid, part):
            log.warning("WeChat delivery stopped at part %d of %d", index + 1, len(parts))
            return


async def _deliver_when_done(client: WeChatClient, openid: str, answer: asyncio.Task[list[str]]) -> None:
    parts = await answer
    await _deliver(client, openid, parts)
    log.info("WeChat late answer delivered (%d parts)", len(parts))


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
    if not await limits.claim(key, CLAIM_LEASE_S) and not await _claimed_by_retry(limits, key, channel.deadline_s):
        log.info("WeChat %s: repeated delivery acknowledged", message.msg_type[:20])
        return PlainTextResponse(SUCCESS)
    plan = plan_for(message)
    log.info("WeChat %s: %s", message.msg_type[:20], plan.outcome)
    if plan.ask is None:
        await limits.settle(key, DEDUPE_TTL_S)
        return _passive(envelope, message, plan.answer, nonce, timestamp)

    inbound = await _inbound(limits, message.sender, plan.ask)
    answer = channel.start(_holding(limits, key, _answer(conversations, inbound)))
    done, _ = await asyncio.wait({answer}, timeout=channel.deadline_s)
    if answer in done:
        parts: list[str] = answer.result()
        if len(parts) > 1:
            channel.start(_deliver(channel.client, message.sender, parts[1:], after_s=FOLLOW_UP_DELAY_S))
        return _passive(envelope, message, parts[0] if parts else "", nonce, timestamp)
    log.info("WeChat %s: answer late, will follow through the API", message.msg_type[:20])
    channel.start(_deliver_when_done(channel.client, message.sender, answer))
    return _passive(envelope, message, WORKING, nonce, timestamp)


def _passive(envelope: Envelope, message: Message, text: str, nonce: str, timestamp: str) -> Response:
    if not text:
        return PlainTextResponse(SUCCESS)
    return Response(envelope.seal(message, text, nonce, timestamp), media_type="application/xml")

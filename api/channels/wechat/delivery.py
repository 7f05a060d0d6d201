"""Answering one WeChat message, once, however often WeChat delivers it.

A message is claimed (Redis or in-process, api/conversations/limits.py) and the claim
renewed while the turn runs; a repeated delivery waits for the answer or takes over if
the process that held the claim died. What misses the passive reply's deadline, and
every part after the first of a long answer, goes out through the customer-service API
as background work the channel keeps until it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from api.channels.wechat.client import WeChatClient
from api.channels.wechat.protocol import (
    CHOICE_EXPIRED,
    Envelope,
    chosen_number,
    decode_choices,
    encode_choices,
    render_turn,
    split_for_wechat,
)
from api.conversations.limits import Limits
from api.conversations.turn import FAILURE_REPLY, BadPayload, Conversations, Inbound, RateLimited

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


def choices_key(openid: str) -> str:
    return "wechat:choices:" + openid


async def inbound_for(limits: Limits, openid: str, text: str) -> Inbound:
    """A bare number picks one of the buttons last shown to this worker."""
    number = chosen_number(text)
    if number:
        choices = decode_choices(await limits.recall(choices_key(openid)))
        if number <= len(choices):
            chosen = choices[number - 1]
            if not chosen["payload"].startswith("/"):
                # A form's answer button ("工程建设") stands for words typed, as in Rasa's own channels.
                return Inbound(channel="wechat", sender=openid, text=chosen["payload"])
            return Inbound(channel="wechat", sender=openid, payload=chosen["payload"], title=chosen["title"])
    return Inbound(channel="wechat", sender=openid, text=text)


async def answer_turn(conversations: Conversations, inbound: Inbound) -> list[str]:
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
    key = choices_key(inbound.sender)
    if rendered.choices:
        await conversations.limits.remember(key, encode_choices(rendered.choices), CHOICES_TTL_S)
    else:
        await conversations.limits.forget(key)  # an old "1" must not pick a stale button
    return split_for_wechat(rendered.text)


async def holding(limits: Limits, key: str, work: Coroutine[Any, Any, list[str]]) -> list[str]:
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


async def claimed_by_retry(limits: Limits, key: str, deadline_s: float) -> bool:
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


async def deliver(client: WeChatClient, openid: str, parts: list[str], after_s: float = 0.0) -> None:
    await asyncio.sleep(after_s)
    for index, part in enumerate(parts):
        if not await client.send_text(openid, part):
            log.warning("WeChat delivery stopped at part %d of %d", index + 1, len(parts))
            return


async def deliver_when_done(client: WeChatClient, openid: str, answer: asyncio.Task[list[str]]) -> None:
    parts = await answer
    await deliver(client, openid, parts)
    log.info("WeChat late answer delivered (%d parts)", len(parts))

"""Messages to a worker that are not replies to their last message: by channel.

A staff member's answer, or an answer that came too late for WeChat's passive reply,
goes to the worker's own channel. Every such message is kept in the conversation's
history (the widget shows new history entries; the console reads the transcript);
channels that can push (WeChat's customer-service API) also register a sender here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from api.conversations.history import History, StoredMessage
from api.privacy.redact import redact

log = logging.getLogger(__name__)

Sender = Callable[[str, str], Awaitable[bool]]  # (sender id in the channel, text) → delivered


class ChannelRegistry:
    def __init__(self, history: History) -> None:
        self.history = history
        self.senders: dict[str, Sender] = {}

    def register(self, channel: str, send: Sender) -> None:
        self.senders[channel] = send

    async def tell(self, conversation: str, text: str, role: str = "staff") -> bool:
        """Store the message in the conversation and push it where the channel can; True if delivered."""
        channel, _, sender = conversation.partition(":")
        masked, _ = redact(text)
        await asyncio.to_thread(self.history.add, conversation, channel, [StoredMessage(role=role, text=masked)])
        send = self.senders.get(channel)
        if send is None:
            # The web widget reads new history entries; partner systems fetch theirs.
            return channel == "web"
        try:
            return await send(sender, text)
        except Exception:  # a push failure must not lose the stored message or fail the caller
            log.exception("push to %s failed", channel)
            return False

"""Once-only delivery and rate limits, in Redis when configured, in-process otherwise.

Redis makes them hold across several api processes (WeChat may retry a message on
another worker). If Redis fails, the check falls back to this process's memory at
once (short socket timeouts) rather than failing the worker's message, and returns
to Redis by itself when it answers again.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from functools import cached_property
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MEMORY_KEYS = 100_000  # oldest keys are dropped beyond this; enough for a day of one process
REDIS_RETRY_S = 5.0  # after a failure, try Redis again after this long
CLAIM_WORKING = b"working"
CLAIM_DONE = b"done"


def seconds_to_next_window(now: float | None = None) -> int:
    """When a fixed one-minute window (``Limits.allow``) opens again: a client's Retry-After."""
    return 60 - int(now if now is not None else time.time()) % 60


class MemoryLimits:
    def __init__(self) -> None:
        self.windows: OrderedDict[str, tuple[int, int]] = OrderedDict()

    def allow(self, key: str, per_minute: int) -> bool:
        window = int(time.time() // 60)
        start, count = self.windows.get(key, (window, 0))
        count = count + 1 if start == window else 1
        self.windows[key] = (window, count)
        self.windows.move_to_end(key)
        while len(self.windows) > MEMORY_KEYS:
            self.windows.popitem(last=False)
        return count <= per_minute


class MemoryCounters:
    """Counters that start at the first count and vanish ``window_s`` later (this process only)."""

    def __init__(self) -> None:
        self.counts: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def count(self, key: str, window_s: int) -> int:
        # No await between reading and writing: concurrent requests get distinct counts.
        now = time.monotonic()
        ends, counted = self.counts.get(key, (0.0, 0))
        if ends <= now:
            ends, counted = now + window_s, 0
        self.counts[key] = (ends, counted + 1)
        self.counts.move_to_end(key)
        while len(self.counts) > MEMORY_KEYS:
            self.counts.popitem(last=False)
        return counted + 1

    def uncount(self, key: str) -> None:
        ends, counted = self.counts.get(key, (0.0, 0))
        if ends > time.monotonic() and counted > 0:
            self.counts[key] = (ends, counted - 1)


# Take one back only from a live counter: a DECR of a missing key would make one without an expiry.
UNCOUNT_SCRIPT = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0"


class MemoryValues:
    """Small values kept for a while per key (this process only)."""

    def __init__(self) -> None:
        self.values: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def remember(self, key: str, value: str, ttl_s: int) -> None:
        self.values[key] = (time.monotonic() + ttl_s, value)
        self.values.move_to_end(key)
        while len(self.values) > MEMORY_KEYS:
            self.values.popitem(last=False)

    def recall(self, key: str) -> str | None:
        kept = self.values.get(key)
        if kept is None or kept[0] <= time.monotonic():
            return None
        return kept[1]

    def forget(self, key: str) -> None:
        self.values.pop(key, None)


_UNAVAILABLE = object()  # what _redis returns when the in-process fallback must answer


class Limits:
    """Dedupe, claims and rate limiting for every channel."""

    def __init__(self, redis_url: str = "", prefix: str = "gongyou:") -> None:
        self.memory = MemoryLimits()
        self.prefix = prefix
        self.redis: aioredis.Redis | None = (
            aioredis.from_url(redis_url, socket_timeout=0.3, socket_connect_timeout=0.3) if redis_url else None
        )
        self.redis_down_until = 0.0

    def _use_redis(self) -> aioredis.Redis | None:
        return self.redis if self.redis is not None and time.monotonic() >= self.redis_down_until else None

    def _redis_failed(self, exc: Exception) -> None:
        log.warning("Redis unavailable (%s); limits kept in this process for now", type(exc).__name__)
        self.redis_down_until = time.monotonic() + REDIS_RETRY_S

    async def _redis(self, command: Callable[[aioredis.Redis], Awaitable[Any]]) -> Any:
        """The command's result from Redis, or ``_UNAVAILABLE`` (then this process answers alone).

        After Redis restarts, every pooled connection is dead but looks alive: the first use
        of each fails. So a failure drops the pool and tries once more on a new connection;
        only a second failure means Redis is down.
        """
        client = self._use_redis()
        if client is None:
            return _UNAVAILABLE
        for attempt in (1, 2):
            try:
                return await command(client)
            except (RedisError, OSError) as exc:
                if attempt == 2:
                    self._redis_failed(exc)
                    return _UNAVAILABLE
                await client.connection_pool.disconnect()
        return _UNAVAILABLE

    async def allow(self, key: str, per_minute: int) -> bool:
        """A fixed one-minute window per key."""
        window_key = f"{self.prefix}rate:{key}:{int(time.time() // 60)}"

        async def count(client: aioredis.Redis) -> int:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(window_key)
                pipe.expire(window_key, 120)
                counted, _ = await pipe.execute()
            return int(counted)

        counted = await self._redis(count)
        if counted is _UNAVAILABLE:
            return self.memory.allow(key, per_minute)
        return bool(counted <= per_minute)

    async def count(self, key: str, window_s: int) -> int:
        """Add one to the key's counter and return it; the counter ends ``window_s`` after its first count.

        Atomic (Redis INCR, or one in-process counter), so a burst of concurrent requests
        gets 1, 2, 3 … and a limit checked on the result lets exactly that many through.
        """
        name = f"{self.prefix}count:{key}"

        async def counted(client: aioredis.Redis) -> int:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_s, nx=True)
                value, _ = await pipe.execute()
            return int(value)

        value = await self._redis(counted)
        if value is _UNAVAILABLE:
            return self.memory_counters.count(key, window_s)
        return int(value)

    async def uncount(self, key: str) -> None:
        """Take back one ``count`` of the key (an attempt that turned out not to be one to limit)."""
        name = f"{self.prefix}count:{key}"
        if await self._redis(lambda client: client.eval(UNCOUNT_SCRIPT, 1, name)) is _UNAVAILABLE:
            self.memory_counters.uncount(key)

    @cached_property
    def memory_counters(self) -> MemoryCounters:
        return MemoryCounters()

    async def claim(self, key: str, lease_s: int) -> bool:
        """Take a piece of work for ``lease_s`` seconds; False while another holds it or once it is done.

        The holder renews the lease (``hold``) while it works and marks it done (``settle``);
        a holder that dies lets its lease run out, and a retry can take the work over.
        """
        name = self.prefix + "claim:" + key
        taken = await self._redis(lambda client: client.set(name, CLAIM_WORKING, nx=True, ex=lease_s))
        if taken is not _UNAVAILABLE:
            return bool(taken)
        if self.memory_values.recall("claim:" + key) is not None:
            return False
        self.memory_values.remember("claim:" + key, CLAIM_WORKING.decode(), lease_s)
        return True

    async def hold(self, key: str, lease_s: int) -> None:
        """Renew a claim this process holds (only while it is still being worked on)."""
        name = self.prefix + "claim:" + key
        if await self._redis(lambda client: client.set(name, CLAIM_WORKING, xx=True, ex=lease_s)) is _UNAVAILABLE:
            self.memory_values.remember("claim:" + key, CLAIM_WORKING.decode(), lease_s)

    async def settle(self, key: str, ttl_s: int) -> None:
        """Mark claimed work done: every later claim of the key is refused for ``ttl_s``."""
        name = self.prefix + "claim:" + key
        if await self._redis(lambda client: client.set(name, CLAIM_DONE, ex=ttl_s)) is _UNAVAILABLE:
            self.memory_values.remember("claim:" + key, CLAIM_DONE.decode(), ttl_s)

    async def claim_state(self, key: str) -> str | None:
        """``working``, ``done``, or None when nobody holds the key (never claimed, or its holder died)."""
        raw = await self._redis(lambda client: client.get(self.prefix + "claim:" + key))
        if raw is _UNAVAILABLE:
            return self.memory_values.recall("claim:" + key)
        return raw.decode() if isinstance(raw, bytes) else None

    @cached_property
    def memory_values(self) -> MemoryValues:
        return MemoryValues()

    async def remember(self, key: str, value: str, ttl_s: int) -> None:
        """Keep a small value for a while (e.g. the choices a WeChat user can answer by number)."""
        name = self.prefix + "kept:" + key
        if await self._redis(lambda client: client.set(name, value.encode("utf-8"), ex=ttl_s)) is _UNAVAILABLE:
            self.memory_values.remember(key, value, ttl_s)

    async def recall(self, key: str) -> str | None:
        """The value kept for a key, or None once it has expired or was never kept."""
        raw = await self._redis(lambda client: client.get(self.prefix + "kept:" + key))
        if raw is _UNAVAILABLE:
            return self.memory_values.recall(key)
        return raw.decode("utf-8") if isinstance(raw, bytes) else None

    async def forget(self, key: str) -> None:
        if await self._redis(lambda client: client.delete(self.prefix + "kept:" + key)) is _UNAVAILABLE:
            self.memory_values.forget(key)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

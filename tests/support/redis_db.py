"""A database of the machine's Redis for one test file, per pytest-xdist worker, emptied before and after.

Two workers running the same file at once must not empty each other's keys: each gets
its own database number (first, first + 1, … for gw0, gw1, …).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import redis

WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def redis_db_url(first: int) -> str:
    return os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{first + WORKER}")


@contextmanager
def emptied(url: str) -> Iterator[str]:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        raise AssertionError(f"Redis at {url} is needed for this test: {exc}") from exc
    try:
        yield url
    finally:
        client.flushdb()
        client.close()

"""One SQLAlchemy engine per database URL in a process, shared by the stores that use it.

The cases, conversations, console state, accounts and the number vault live in one
database; one pool serves them all instead of one each. SQLite (the one-machine
default) gets write-ahead logging, so readers never wait for a writer, and a 30 s busy
timeout, so a burst of writes queues instead of failing with "database is locked".
The knowledge store keeps its own engine: it begins every SQLite transaction IMMEDIATE,
which the other stores must not pay for.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def shared_engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url)
        return engine


def _create(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each checkpoint, far fewer fsyncs
        cursor.close()

    return engine

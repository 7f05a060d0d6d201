"""The one SQLAlchemy engine per database URL in a process, shared by every store.

The cases, conversations, console state, accounts, the number vault and the knowledge
the office edits live in one database and one pool. SQLite (the one-machine default)
gets write-ahead logging, so readers never wait for a writer, and a 30 s busy timeout,
so a burst of writes queues instead of failing with "database is locked".

SQLAlchemy, not the sqlite3 driver, begins each transaction, so a store can ask for
``BEGIN IMMEDIATE`` on its own connections (``IMMEDIATE`` below): the knowledge store
does, because two editors who read the same version before writing would otherwise
deadlock on upgrading their locks. Everyone else keeps deferred transactions.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

# engine.execution_options(**IMMEDIATE): that engine's SQLite transactions take the write lock at once.
IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # Chinese stays readable in the database


def shared_engine(url: str) -> Engine:
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _create(url)
        return engine


def _create(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, json_serializer=_json)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True, json_serializer=_json
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # the driver begins nothing: _begin below does
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each checkpoint, far fewer fsyncs
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())

    return engine

"""Schema migrations with Alembic, configured here (there is no alembic.ini).

    python -m api.db.migrate [--url URL]    # bring the database to the newest revision

SQLite by default (API_DATABASE_URL), PostgreSQL with a ``postgresql+psycopg://`` URL.
The api runs ``upgrade`` once at start, before the stores open. A database the stores
made before there were migrations is adopted by revision 0001 (api/db/legacy.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

from api.db import legacy as legacy_db
from api.settings import ApiSettings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Several api processes may start at once on one PostgreSQL database: they migrate in turn.
PG_LOCK_KEY = 0x6779_6D69_6772  # "gymigr"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # env.py runs the revisions on this connection, inside the caller's transaction.
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str) -> str | None:
    engine = _engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _engine(url: str) -> Engine:
    # No pool: the migration runs once, and the stores open their own engines afterwards.
    connect_args: dict[str, Any] = {"check_same_thread": False} if url.startswith("sqlite") else {}
    return create_engine(url, connect_args=connect_args, poolclass=NullPool)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})


def _migrate(url: str, step: Callable[[Config, str], None], revision: str) -> None:
    """One migration in one transaction, one process at a time on PostgreSQL."""
    engine = _engine(url)
    try:
        with engine.begin() as connection:
            _lock(connection)
            step(alembic_config(connection), revision)
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (the newest by default)."""
    _migrate(url, command.upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at ``url`` back to ``revision`` ("base": no tables at all)."""
    _migrate(url, command.downgrade, revision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.db.migrate", description="migrate the api's database")
    parser.add_argument("--url", help="database URL (default: API_DATABASE_URL or the development SQLite)")
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    url = args.url or ApiSettings().database_url
    try:
        upgrade(url, args.revision)
    except legacy_db.LegacySchemaError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(f"database at revision {current_revision(url)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

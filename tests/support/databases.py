"""Databases for tests: migrated as the api migrates them, or as the stores left them before migrations."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from api.db.migrate import upgrade


def migrated(url: str) -> str:
    """``url`` brought to the newest revision, as the api does at start; the stores create nothing."""
    upgrade(url)
    return url


def pre_migration(url: str, keep: set[str]) -> str:
    """A database as the stores made it before there were migrations: revision 0001's tables in
    ``keep``, and no ``alembic_version``."""
    upgrade(url, "0001")
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
        for table in ("feedback", "messages", "pii_vault", "wage_cases"):
            if table not in keep:
                connection.execute(text(f"DROP TABLE {table}"))
    engine.dispose()
    return url

"""Alembic's environment: run by api.db.migrate, which hands over an open connection.

target_metadata is every store's tables (api/models.py), so autogenerate (``compare_metadata``) can
tell whether the revisions still describe the models.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from api.models import TARGET_METADATA, ours

target_metadata = list(TARGET_METADATA)


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=ours,  # autogenerate must never propose dropping another program's tables
        # SQLite alters a table by copying it: later revisions use batch operations.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the migrations through api.db.migrate: python -m api.db.migrate")
run_on(connection)

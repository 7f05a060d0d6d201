"""Adopting a database the stores made before there were migrations.

Such a database has the stores' tables but no ``alembic_version``. It is first brought
to what the stores made (missing tables created, the clear ``contact`` column of old
case stores dropped by CaseStore itself); then, if its columns are those of revision
0001, it is stamped at 0001 and upgraded like any other. Anything else is refused
rather than guessed at.
"""

from __future__ import annotations

from sqlalchemy import Connection, create_engine, inspect
from sqlalchemy.pool import NullPool

from api.cases import store as case_store
from api.conversations import history
from api.privacy import vault as pii_vault

REVISION = "0001"
VERSION_TABLE = "alembic_version"
# The tables of revision 0001 as create_all made them; frozen, like the revision itself.
INITIAL_COLUMNS: dict[str, frozenset[str]] = {
    "wage_cases": frozenset(
        {
            "id",
            "case_number",
            "created_at",
            "updated_at",
            "status",
            "status_note",
            "conversation",
            "sector",
            "employer",
            "place",
            "period",
            "amount_yuan",
            "amount_text",
            "workers",
            "evidence",
            "contact_cipher",
            "contact_masked",
            "needs_review",
        }
    ),
    "pii_vault": frozenset({"token", "conversation", "kind", "ciphertext", "masked", "created_at"}),
    "messages": frozenset(
        {"seq", "id", "conversation", "channel", "role", "text", "buttons", "citations", "meta", "created_at"}
    ),
    "feedback": frozenset({"seq", "message_id", "rating", "created_at"}),
}


class LegacySchemaError(RuntimeError):
    """A database from before the migrations whose tables are not those of revision 0001."""


def is_legacy(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return VERSION_TABLE not in tables and bool(tables & INITIAL_COLUMNS.keys())


def prepare(url: str) -> None:
    """Bring a pre-migration database to what the stores make; nothing for any other database."""
    connect_args = {"check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if not is_legacy(connection):
                return
        # The stores' own create_all (only the missing tables) and CaseStore's contact fix.
        pii_vault.Base.metadata.create_all(engine)
        history.Base.metadata.create_all(engine)
        case_store.CaseStore(url).engine.dispose()
    finally:
        engine.dispose()


def check_columns(connection: Connection) -> None:
    """Raise LegacySchemaError unless every table of revision 0001 has exactly its columns."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    problems = []
    for table, expected in INITIAL_COLUMNS.items():
        if table not in tables:
            problems.append(f"{table}: missing")
            continue
        actual = {column["name"] for column in inspector.get_columns(table)}
        if missing := sorted(expected - actual):
            problems.append(f"{table}: missing columns {', '.join(missing)}")
        if extra := sorted(actual - expected):
            problems.append(f"{table}: unexpected columns {', '.join(extra)}")
    if problems:
        raise LegacySchemaError(
            "the database has tables from before the migrations that do not match revision "
            f"{REVISION} ({'; '.join(problems)}); move it aside or fix it by hand, then migrate again"
        )

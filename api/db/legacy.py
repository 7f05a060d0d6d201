"""Adopting a database the stores made before there were migrations.

Such a database has some tables of revision 0001 but no ``alembic_version``. Revision
0001 adopts it: if the columns of every such table are those of revision 0001 (a case
table may still hold the clear ``contact`` column of the oldest stores, which 0001
drops), the missing tables are made and it is upgraded like any other. Anything else
is refused rather than guessed at. What is here is frozen, like the revision itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect

REVISION = "0001"
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


def check_columns(connection: Connection) -> None:
    """Raise LegacySchemaError unless each table of revision 0001 there has exactly its columns."""
    inspector = inspect(connection)
    tables = set(inspector.get_table_names())
    problems = []
    for table, expected in INITIAL_COLUMNS.items():
        if table not in tables:
            continue  # made by revision 0001
        actual = {column["name"] for column in inspector.get_columns(table)}
        if table == "wage_cases" and "contact" in actual:  # the oldest stores: 0001 encrypts it away
            actual = (actual - {"contact"}) | {"contact_cipher", "contact_masked"}
        if missing := sorted(expected - actual):
            problems.append(f"{table}: missing columns {', '.join(missing)}")
        if extra := sorted(actual - expected):
            problems.append(f"{table}: unexpected columns {', '.join(extra)}")
    if problems:
        raise LegacySchemaError(
            "the database has tables from before the migrations that do not match revision "
            f"{REVISION} ({'; '.join(problems)}); move it aside or fix it by hand, then migrate again"
        )

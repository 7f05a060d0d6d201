"""The tables as the stores made them before there were migrations.

Cases (api/cases/store.py), the personal-data vault (api/privacy/vault.py), the
messages and their feedback (api/conversations/history.py). Written out here, not taken from the
models, so that this revision stays what it is when the models change.

A database the stores made before there were migrations has some of these tables but
no ``alembic_version``: this revision adopts it (api/db/legacy.py checks its columns,
the missing tables are made, the clear contact column of the oldest case stores goes).

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.db.legacy import INITIAL_COLUMNS, check_columns

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    connection = op.get_bind()
    existing = set(sa.inspect(connection).get_table_names())
    if existing & INITIAL_COLUMNS.keys():
        # Made by the stores before there were migrations: refuse any other shape, then
        # drop the clear phone column of the oldest case stores (contacts are encrypted).
        check_columns(connection)
        _encrypt_contacts(existing)
    for name, make in MAKERS:
        if name not in existing:
            make()


def _encrypt_contacts(existing: set[str]) -> None:
    if "wage_cases" not in existing:
        return
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("wage_cases")}
    if "contact" not in columns:
        return
    with op.batch_alter_table("wage_cases") as batch:
        batch.drop_column("contact")
        for name, kind in (("contact_cipher", sa.Text()), ("contact_masked", sa.String(32))):
            if name not in columns:
                batch.add_column(sa.Column(name, kind, nullable=False, server_default=""))


def _wage_cases() -> None:
    op.create_table(
        "wage_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("conversation", sa.String(64), nullable=False),
        sa.Column("sector", sa.String(20), nullable=False),
        sa.Column("employer", sa.String(200), nullable=False),
        sa.Column("place", sa.String(100), nullable=False),
        sa.Column("period", sa.String(100), nullable=False),
        sa.Column("amount_yuan", sa.Integer(), nullable=True),
        sa.Column("amount_text", sa.String(100), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("contact_cipher", sa.Text(), nullable=False),
        sa.Column("contact_masked", sa.String(32), nullable=False),
        sa.Column("needs_review", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wage_cases_case_number", "wage_cases", ["case_number"], unique=True)
    op.create_index("ix_wage_cases_conversation", "wage_cases", ["conversation"])


def _pii_vault() -> None:
    op.create_table(
        "pii_vault",
        sa.Column("token", sa.String(16), nullable=False),
        sa.Column("conversation", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("masked", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
    )
    op.create_index("ix_pii_vault_conversation", "pii_vault", ["conversation"])
    op.create_index("ix_pii_vault_created_at", "pii_vault", ["created_at"])


def _messages() -> None:
    op.create_table(
        "messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("conversation", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("buttons", sa.JSON(), nullable=False),
        sa.Column("citations", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_messages_id", "messages", ["id"], unique=True)
    op.create_index("ix_messages_conversation", "messages", ["conversation"])
    op.create_index("ix_messages_channel", "messages", ["channel"])
    op.create_index("ix_messages_created_at", "messages", ["created_at"])


def _feedback() -> None:
    op.create_table(
        "feedback",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"])


MAKERS = (("wage_cases", _wage_cases), ("pii_vault", _pii_vault), ("messages", _messages), ("feedback", _feedback))


def downgrade() -> None:
    op.drop_table("feedback")  # before messages: it refers to them
    op.drop_table("messages")
    op.drop_table("pii_vault")
    op.drop_table("wage_cases")

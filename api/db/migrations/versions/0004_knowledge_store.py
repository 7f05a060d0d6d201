"""The knowledge the office edits: entries, their versions and the audit log (knowledge/store.py).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

AUTHOR_CHARS = 100  # knowledge.store.MAX_AUTHOR


def upgrade() -> None:
    op.create_table(
        "knowledge_entries",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("published_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "knowledge_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_key", sa.String(80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(AUTHOR_CHARS), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(AUTHOR_CHARS), nullable=True),
        sa.ForeignKeyConstraint(["entry_key"], ["knowledge_entries.key"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_key", "version", name="uq_knowledge_version"),
    )
    op.create_index("ix_knowledge_versions_entry_key", "knowledge_versions", ["entry_key"])
    op.create_table(
        "knowledge_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(AUTHOR_CHARS), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entry_key", sa.String(80), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_knowledge_audit_at", "knowledge_audit", ["at"])
    op.create_index("ix_knowledge_audit_entry_key", "knowledge_audit", ["entry_key"])


def downgrade() -> None:
    op.drop_table("knowledge_audit")
    op.drop_table("knowledge_versions")
    op.drop_table("knowledge_entries")

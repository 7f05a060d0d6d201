"""Who answers each conversation — the bot, nobody yet, or a staff member (api/handoff/store.py).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("conversation", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(40), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("taken_by", sa.String(64), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_text", sa.Text(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation"),
    )
    op.create_index("ix_conversation_state_channel", "conversation_state", ["channel"])
    op.create_index("ix_conversation_state_status", "conversation_state", ["status"])
    op.create_index("ix_conversation_state_requested_at", "conversation_state", ["requested_at"])
    op.create_index("ix_conversation_state_last_at", "conversation_state", ["last_at"])


def downgrade() -> None:
    op.drop_table("conversation_state")

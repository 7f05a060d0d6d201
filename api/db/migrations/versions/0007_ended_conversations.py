"""Web conversations ended with 结束对话: their ids are never served again (api/conversations/web_sessions.py).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ended_conversations",
        sa.Column("conversation", sa.String(200), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("conversation"),
    )
    op.create_index("ix_ended_conversations_ended_at", "ended_conversations", ["ended_at"])


def downgrade() -> None:
    op.drop_table("ended_conversations")

"""A held conversation remembers since when the worker has waited for the staff member's answer.

A staff member who took a conversation and then went quiet (went home, signed out) must not
keep the worker in silence: past API_HANDOFF_HOLD_MINUTES the conversation goes back to the
queue (api/handoff/store.py, lapse_if_silent).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_state") as table:
        table.add_column(sa.Column("unanswered_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_state") as table:
        table.drop_column("unanswered_since")

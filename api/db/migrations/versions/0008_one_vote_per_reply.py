"""One feedback vote per reply: a vote may be changed, never repeated (api/conversations/history.py).

The message id is unique over all conversations, so a unique index on it is one row per
(conversation, reply). Repeated votes already stored keep only their newest.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM feedback WHERE seq NOT IN (SELECT MAX(seq) FROM feedback GROUP BY message_id)"))
    op.drop_index("ix_feedback_message_id", table_name="feedback")
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_feedback_message_id", table_name="feedback")
    op.create_index("ix_feedback_message_id", "feedback", ["message_id"])

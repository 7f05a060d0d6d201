"""The audit trail of staff accounts: who created, changed or locked out which account, when.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "staff_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),  # a username, or "cli" for the command line
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),  # the account acted on
        sa.Column("note", sa.Text(), nullable=False),  # never a password
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_audit_at", "staff_audit", ["at"])
    op.create_index("ix_staff_audit_username", "staff_audit", ["username"])


def downgrade() -> None:
    op.drop_table("staff_audit")

"""Sign-in rate limit shared by every API process: failed sign-ins per key in the app DB.

Revision ID: 0013_signin_limits
Revises: 0012_review
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_signin_limits"
down_revision: str | None = "0012_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_limits",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_limits")),
    )
    op.create_index("ix_sign_in_limits_window_started_at", "sign_in_limits", ["window_started_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_limits_window_started_at", table_name="sign_in_limits")
    op.drop_table("sign_in_limits")

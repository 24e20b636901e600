"""Instagram's ``reach`` and ``saved`` with the other daily metrics: two nullable columns of
``performance_days`` (docs/ARCHITECTURE.md §13); the other targets leave them empty.

Revision ID: 0020_instagram_reach_saved
Revises: 0019_reconnect_resume
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_instagram_reach_saved"
down_revision: str | None = "0019_reconnect_resume"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("reach", "saved")


def upgrade() -> None:
    with op.batch_alter_table("performance_days") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("performance_days") as batch:
        for name in COLUMNS:
            batch.drop_column(name)

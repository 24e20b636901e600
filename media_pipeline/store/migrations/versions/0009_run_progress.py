"""Progress-based liveness: each run heartbeat records the worker's progress mark, when it last moved, and
the worker's helper processes (Dagster's compute-log ``tail -F`` / ``watch_orphans``).

Revision ID: 0009_run_progress
Revises: 0008_image_roles
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_run_progress"
down_revision: str | None = "0008_image_roles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
COLUMNS = ("helpers", "progress_moves", "progress_note", "progressed_at")


def upgrade() -> None:
    with op.batch_alter_table("run_heartbeats") as batch:
        batch.add_column(sa.Column("helpers", JSON, nullable=True))
        batch.add_column(sa.Column("progress_moves", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("progress_note", sa.String(200), nullable=True))
        batch.add_column(sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("run_heartbeats") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)

"""Run heartbeats: the latest sign of life of each stage run's worker (host, pid, child process groups).

Revision ID: 0002_heartbeats
Revises: 0001_initial
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_heartbeats"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "run_heartbeats",
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("pid_start", sa.BigInteger(), nullable=False),
        sa.Column("children", JSON, nullable=False),
        _time("started_at", nullable=False),
        _time("beat_at", nullable=False),
        _time("ended_at"),
        sa.PrimaryKeyConstraint("run_id", name=op.f("pk_run_heartbeats")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_run_heartbeats_task_id_tasks"), ondelete="CASCADE"
        ),
    )
    op.create_index("ix_run_heartbeats_task_id", "run_heartbeats", ["task_id"])


def downgrade() -> None:
    op.drop_index("ix_run_heartbeats_task_id", table_name="run_heartbeats")
    op.drop_table("run_heartbeats")

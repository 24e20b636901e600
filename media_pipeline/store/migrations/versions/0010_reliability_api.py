"""Reliability of the API: Run results kept under their request key (idempotent Run), revoked bearer
tokens (sign-out), and the active tasks in queue order per workspace (fair dispatch).

Revision ID: 0010_reliability_api
Revises: 0009_run_progress
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010_reliability_api"
down_revision: str | None = "0009_run_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ACTIVE_ONLY = sa.text("status IN ('queued', 'running')")
WORKSPACE_ORDER = (
    "ix_tasks_workspace_active_queue_order",
    ["workspace_id", "queued_at", "queue_position", "id"],
)


def _time(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "queue_run_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("queue_id", sa.String(64), nullable=False),
        sa.Column("request_key", sa.String(255), nullable=False),
        sa.Column("result", JSON, nullable=False),
        _time("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queue_run_requests")),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
            name=op.f("fk_queue_run_requests_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "queue_id", "request_key", name=op.f("uq_queue_run_requests_queue_id_request_key")
        ),
    )
    op.create_index("ix_queue_run_requests_created_at", "queue_run_requests", ["created_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), nullable=False),
        _time("expires_at"),
        _time("revoked_at"),
        sa.PrimaryKeyConstraint("jti", name=op.f("pk_revoked_tokens")),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.create_index(
        WORKSPACE_ORDER[0],
        "tasks",
        WORKSPACE_ORDER[1],
        sqlite_where=ACTIVE_ONLY,
        postgresql_where=ACTIVE_ONLY,
    )


def downgrade() -> None:
    op.drop_index(WORKSPACE_ORDER[0], table_name="tasks")
    op.drop_index("ix_revoked_tokens_expires_at", table_name="revoked_tokens")
    op.drop_table("revoked_tokens")
    op.drop_index("ix_queue_run_requests_created_at", table_name="queue_run_requests")
    op.drop_table("queue_run_requests")

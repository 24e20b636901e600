"""Partial indexes of the active tasks in queue order (``launchable`` for all tasks, ``stage_tabs`` per
owner): the earliest queued/running tasks are read off an index before their current stage is computed.
They replace ``ix_tasks_status_queued_at``, whose ``status IN (...)`` scan needed a sort of every active
task (and which SQLite's planner would still prefer to the partial index).

Revision ID: 0006_queue_order
Revises: 0004_contracts
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_queue_order"
down_revision: str | None = "0004_contracts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_ONLY = sa.text("status IN ('queued', 'running')")
QUEUE_ORDER = ["queued_at", "queue_position", "id"]
INDEXES = {
    "ix_tasks_active_queue_order": QUEUE_ORDER,
    "ix_tasks_owner_active_queue_order": ["user_id", "workspace_id", *QUEUE_ORDER],
}


REPLACED = ("ix_tasks_status_queued_at", ["status", "queued_at", "queue_position"])


def upgrade() -> None:
    op.drop_index(REPLACED[0], table_name="tasks")
    for name, columns in INDEXES.items():
        op.create_index(name, "tasks", columns, sqlite_where=ACTIVE_ONLY, postgresql_where=ACTIVE_ONLY)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="tasks")
    op.create_index(REPLACED[0], "tasks", REPLACED[1])

"""Credits and paid image generation: credit_accounts, credit_ledger, image_jobs, image_tasks.

Revision ID: 0005_credits
Revises: 0002_heartbeats
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_credits"
down_revision: str | None = "0002_heartbeats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Vocabularies as of this revision (later revisions change them explicitly).
LEDGER_KINDS = ("grant", "reserve", "consume", "refund")
IMAGE_STATUSES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELED")
CHARGES = ("reserved", "consumed", "refunded")


def _time(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "credit_accounts",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_credit_accounts")),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_credit_accounts_balance_non_negative")),
    )
    op.create_table(
        "credit_ledger",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("balance_after", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("image_index", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(500), nullable=False),
        _time("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_ledger")),
        _check("credit_ledger", "kind", LEDGER_KINDS),
    )
    op.create_index("ix_credit_ledger_workspace_id_id", "credit_ledger", ["workspace_id", "id"])
    op.create_index("ix_credit_ledger_task_id_generation", "credit_ledger", ["task_id", "generation"])
    op.create_table(
        "image_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("total_images", sa.Integer(), nullable=False),
        _time("stop_requested_at"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_jobs")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_image_jobs_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("task_id", "generation", name=op.f("uq_image_jobs_task_id_generation")),
    )
    op.create_table(
        "image_tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("image_index", sa.Integer(), nullable=False),
        sa.Column("style", sa.String(16), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("charge", sa.String(16), nullable=False),
        sa.Column("output_key", sa.String(500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _time("started_at"),
        _time("finished_at"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_tasks")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["image_jobs.id"], name=op.f("fk_image_tasks_job_id_image_jobs"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("job_id", "image_index", name=op.f("uq_image_tasks_job_id_image_index")),
        _check("image_tasks", "status", IMAGE_STATUSES),
        _check("image_tasks", "charge", CHARGES),
    )
    op.create_index("ix_image_tasks_task_id_generation", "image_tasks", ["task_id", "generation"])


def downgrade() -> None:
    op.drop_table("image_tasks")
    op.drop_table("image_jobs")
    op.drop_table("credit_ledger")
    op.drop_table("credit_accounts")

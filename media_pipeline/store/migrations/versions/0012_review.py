"""Reviews: task status ``review``, ``task_reviews`` (who decided and when) and ``storyboard_edits``.

Revision ID: 0012_review
Revises: 0011_accounts
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012_review"
down_revision: str | None = "0011_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Vocabularies as of this revision (later revisions change them explicitly).
OLD_TASK_STATUSES = ("draft", "queued", "running", "succeeded", "failed", "canceled", "scheduled")
TASK_STATUSES = (*OLD_TASK_STATUSES, "review")
REVIEW_KINDS = ("storyboard", "final")
REVIEW_STATUSES = ("pending", "approved", "rejected")
EDIT_KINDS = ("narration", "regenerate", "upload")
EDIT_STATUSES = ("pending", "done", "failed", "expired")


def _time(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(_in(column, values), name=op.f(f"ck_{table}_{column}"))


def _task_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["task_id"], ["tasks.id"], name=op.f(f"fk_{table}_task_id_tasks"), ondelete="CASCADE"
    )


def _task_statuses(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_constraint(op.f("ck_tasks_status"), type_="check")
        batch.create_check_constraint(op.f("ck_tasks_status"), _in("status", values))


def upgrade() -> None:
    _task_statuses(TASK_STATUSES)
    op.create_table(
        "task_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _time("requested_at", nullable=False),
        _time("decided_at"),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_reviews")),
        _task_fk("task_reviews"),
        sa.UniqueConstraint(
            "task_id", "generation", "kind", name=op.f("uq_task_reviews_task_id_generation_kind")
        ),
        _check("task_reviews", "kind", REVIEW_KINDS),
        _check("task_reviews", "status", REVIEW_STATUSES),
    )
    op.create_table(
        "storyboard_edits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("scene_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("image_index", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        _time("created_at", nullable=False),
        _time("finished_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storyboard_edits")),
        _task_fk("storyboard_edits"),
        _check("storyboard_edits", "kind", EDIT_KINDS),
        _check("storyboard_edits", "status", EDIT_STATUSES),
    )
    op.create_index("ix_storyboard_edits_task_id_generation", "storyboard_edits", ["task_id", "generation"])


def downgrade() -> None:
    op.drop_index("ix_storyboard_edits_task_id_generation", table_name="storyboard_edits")
    op.drop_table("storyboard_edits")
    op.drop_table("task_reviews")
    op.execute(sa.text("UPDATE tasks SET status = 'canceled' WHERE status = 'review'"))
    _task_statuses(OLD_TASK_STATUSES)

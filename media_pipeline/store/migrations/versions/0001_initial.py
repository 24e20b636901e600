"""Initial schema: queues, tasks, stage states, schedules, logs, contents.

Revision ID: 0001_initial
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Vocabularies as of this revision (later revisions change them explicitly).
TASK_STATUSES = ("draft", "queued", "running", "succeeded", "failed", "canceled", "scheduled")
VIDEO_TYPES = ("shortform", "longform", "product")
STAGES = ("script", "images", "video", "thumbnail", "youtube_video")
STAGE_STATUSES = ("waiting", "processing", "completed", "failed", "canceled")
REPEATS = ("once", "daily", "weekly", "monthly")
LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_ACTIONS = (
    "queue",
    "start",
    "progress",
    "complete",
    "fail",
    "retry",
    "stop",
    "skip",
    "approve",
    "schedule",
)
CONTENT_KINDS = ("script", "image", "audio", "subtitles", "video", "thumbnail", "publish")

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
DRAFT_ONLY = sa.text("status = 'draft'")


def _time(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _timestamps() -> list[sa.Column[Any]]:
    return [_time("created_at", nullable=False), _time("updated_at", nullable=False)]


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def _partial_index(
    name: str, table: str, columns: list[str], where: sa.TextClause, unique: bool = False
) -> None:
    op.create_index(name, table, columns, unique=unique, sqlite_where=where, postgresql_where=where)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=op.f(f"fk_{table}_{column}_{referred}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "queues",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("default_options", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_queues_version_positive")),
    )
    _partial_index(
        "uq_queues_default_owner", "queues", ["user_id", "workspace_id"], sa.text("is_default"), True
    )
    op.create_index("ix_queues_owner", "queues", ["user_id", "workspace_id"])

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("queue_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("product", JSON, nullable=True),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("queue_position", sa.Integer(), nullable=True),
        sa.Column("batch_id", sa.String(64), nullable=True),
        sa.Column("asset_id", sa.String(200), nullable=True),
        _time("draft_expires_at"),
        sa.Column("locked_by", sa.String(64), nullable=True),
        _time("locked_at"),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("message", sa.String(500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("youtube_url", sa.String(500), nullable=True),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        _time("script_approved_at"),
        _time("queued_at"),
        _time("started_at"),
        _time("finished_at"),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        _fk("tasks", "queue_id", "queues"),
        _check("tasks", "status", TASK_STATUSES),
        _check("tasks", "type", VIDEO_TYPES),
        sa.CheckConstraint("generation >= 0", name=op.f("ck_tasks_generation_non_negative")),
        sa.CheckConstraint("progress >= 0 AND progress <= 100", name=op.f("ck_tasks_progress_range")),
    )
    _partial_index("uq_tasks_draft_asset", "tasks", ["queue_id", "asset_id"], DRAFT_ONLY, unique=True)
    op.create_index("ix_tasks_queue_status_position", "tasks", ["queue_id", "status", "queue_position"])
    op.create_index(
        "ix_tasks_owner_status_updated", "tasks", ["user_id", "workspace_id", "status", "updated_at"]
    )
    op.create_index("ix_tasks_status_queued_at", "tasks", ["status", "queued_at", "queue_position"])
    _partial_index("ix_tasks_draft_expires_at", "tasks", ["draft_expires_at"], DRAFT_ONLY)
    op.create_index("ix_tasks_batch_id", "tasks", ["batch_id"])

    op.create_table(
        "task_stage_states",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("auto_retries", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        _time("next_retry_at"),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _time("started_at"),
        _time("finished_at"),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_stage_states")),
        _fk("task_stage_states", "task_id", "tasks"),
        sa.UniqueConstraint(
            "task_id", "generation", "stage", name=op.f("uq_task_stage_states_task_id_generation_stage")
        ),
        _check("task_stage_states", "stage", STAGES),
        _check("task_stage_states", "status", STAGE_STATUSES),
    )
    _partial_index(
        "uq_task_stage_states_processing_task",
        "task_stage_states",
        ["task_id"],
        sa.text("status = 'processing'"),
        unique=True,
    )
    op.create_index("ix_task_stage_states_stage_status", "task_stage_states", ["stage", "status"])
    op.create_index("ix_task_stage_states_run_id", "task_stage_states", ["run_id"])

    op.create_table(
        "task_schedules",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        _time("scheduled_time", nullable=False),
        sa.Column("repeat", sa.String(16), nullable=False),
        sa.Column("repeat_config", JSON, nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        _time("next_run_at"),
        _time("last_run_at"),
        sa.Column("last_generation", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("privacy", sa.String(16), nullable=True),
        _time("publish_at"),
        sa.Column("channel_id", sa.String(100), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_schedules")),
        _fk("task_schedules", "task_id", "tasks"),
        _check("task_schedules", "repeat", REPEATS),
    )
    _partial_index(
        "uq_task_schedules_active_task", "task_schedules", ["task_id"], sa.text("is_active"), unique=True
    )
    op.create_index("ix_task_schedules_due", "task_schedules", ["is_active", "next_run_at"])
    op.create_index("ix_task_schedules_task_id", "task_schedules", ["task_id"])

    op.create_table(
        "task_logs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("action_type", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("process_name", sa.String(100), nullable=True),
        sa.Column("run_id", sa.String(64), nullable=True),
        sa.Column("metadata", JSON, nullable=False),
        _time("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_logs")),
        _fk("task_logs", "task_id", "tasks"),
        _check("task_logs", "level", LOG_LEVELS),
        _check("task_logs", "action_type", LOG_ACTIONS),
    )
    for column in ("task_id", "level", "action_type", "stage"):
        op.create_index(f"ix_task_logs_{column}_id", "task_logs", [column, "id"])

    op.create_table(
        "contents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("url", sa.String(1000), nullable=True),
        sa.Column("metadata", JSON, nullable=False),
        _time("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contents")),
        _fk("contents", "task_id", "tasks"),
        _check("contents", "kind", CONTENT_KINDS),
    )
    op.create_index("ix_contents_task_id_generation", "contents", ["task_id", "generation"])
    op.create_index("ix_contents_kind_id", "contents", ["kind", "id"])


def downgrade() -> None:
    for table in ("contents", "task_logs", "task_schedules", "task_stage_states", "tasks", "queues"):
        op.drop_table(table)

"""Script review (``tasks.script_rejected_at``; seed 002 §9), YouTube channel settings per workspace
(``channel_settings``; schedules name theirs in ``channel_setting_id``, seed 001 §2.2) and "my contents"
(``user_contents``, ``tasks.content_id``; seed 001 §13), and each workspace's plan (``workspace_settings``;
seed 000 plan limits).

Revision ID: 0004_contracts
Revises: 0003_users
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_contracts"
down_revision: str | None = "0003_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("script_rejected_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("content_id", sa.String(64), nullable=True))
    with op.batch_alter_table("task_schedules") as batch:
        batch.alter_column(
            "channel_id", new_column_name="channel_setting_id", type_=sa.String(64), existing_nullable=True
        )
    op.create_table(
        "channel_settings",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("youtube_channel_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_settings")),
    )
    op.create_index("ix_channel_settings_workspace_id", "channel_settings", ["workspace_id"])
    op.create_table(
        "user_contents",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("youtube_url", sa.String(500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("type IN ('script', 'video')", name=op.f("ck_user_contents_type")),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'failed')", name=op.f("ck_user_contents_status")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_user_contents_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_contents")),
        sa.UniqueConstraint("task_id", "generation", name=op.f("uq_user_contents_task_id_generation")),
    )
    op.create_table(
        "workspace_settings",
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_workspace_settings")),
    )
    op.create_index(
        "ix_user_contents_owner_updated", "user_contents", ["user_id", "workspace_id", "updated_at"]
    )


def downgrade() -> None:
    op.drop_table("workspace_settings")
    op.drop_index("ix_user_contents_owner_updated", "user_contents")
    op.drop_table("user_contents")
    op.drop_index("ix_channel_settings_workspace_id", "channel_settings")
    op.drop_table("channel_settings")
    with op.batch_alter_table("task_schedules") as batch:
        batch.alter_column(
            "channel_setting_id", new_column_name="channel_id", type_=sa.String(100), existing_nullable=True
        )
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("content_id")
        batch.drop_column("script_rejected_at")

"""Publications: one row per (task, generation, target), the social accounts of channel settings and the
publish targets a channel setting lists.

Revision ID: 0017_publications
Revises: 0016_music_voices
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0017_publications"
down_revision: str | None = "0016_music_voices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TARGETS = ("youtube", "local", "tiktok", "instagram")
STATUSES = ("pending", "uploading", "processing", "published", "failed", "deferred")
CONNECTION_STATUSES = ("connected", "reconnect")


def _time(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    allowed = ", ".join(repr(value) for value in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=op.f(f"ck_{table}_{column}"))


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("remote_id", sa.String(200), nullable=True),
        sa.Column("post_id", sa.String(200), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _time("deferred_until"),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_publications_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint(
            "task_id", "generation", "target", name=op.f("uq_publications_task_id_generation_target")
        ),
        _check("publications", "target", TARGETS),
        _check("publications", "status", STATUSES),
    )
    op.create_table(
        "publish_connections",
        sa.Column("channel_setting_id", sa.String(64), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("account_name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _time("created_at", nullable=False),
        _time("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("channel_setting_id", "target", name=op.f("pk_publish_connections")),
        sa.ForeignKeyConstraint(
            ["channel_setting_id"],
            ["channel_settings.id"],
            name=op.f("fk_publish_connections_channel_setting_id_channel_settings"),
            ondelete="CASCADE",
        ),
        _check("publish_connections", "target", TARGETS),
        _check("publish_connections", "status", CONNECTION_STATUSES),
    )
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(sa.Column("publish_targets", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("publish_targets")
    op.drop_table("publish_connections")
    op.drop_table("publications")

"""Video performance: ``performance_days`` (one row per publication and day), ``performance_fetches``
(the refresh state of each publication) and ``library_items.settings`` ("more like this").

Revision ID: 0018_video_performance
Revises: 0017_publications
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018_video_performance"
down_revision: str | None = "0017_publications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _content_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["content_id"],
        ["user_contents.id"],
        name=op.f(f"fk_{table}_content_id_user_contents"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "performance_days",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("content_id", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.Column("estimated_minutes_watched", sa.Float(), nullable=True),
        sa.Column("average_view_duration_s", sa.Float(), nullable=True),
        sa.Column("average_view_percentage", sa.Float(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("comments", sa.Integer(), nullable=True),
        sa.Column("shares", sa.Integer(), nullable=True),
        sa.Column("subscribers_gained", sa.Integer(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_days")),
        _content_fk("performance_days"),
        sa.UniqueConstraint(
            "content_id", "target", "day", name=op.f("uq_performance_days_content_id_target_day")
        ),
    )
    op.create_table(
        "performance_fetches",
        sa.Column("content_id", sa.String(64), nullable=False),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("remote_id", sa.String(128), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deferred_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("first_line_chars", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("content_id", "target", name=op.f("pk_performance_fetches")),
        _content_fk("performance_fetches"),
    )

    with op.batch_alter_table("library_items") as batch:
        batch.add_column(sa.Column("settings", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("library_items") as batch:
        batch.drop_column("settings")
    op.drop_table("performance_fetches")
    op.drop_table("performance_days")

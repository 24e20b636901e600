"""The creator's library (``library_items``): the videos a creator wants made, added to the queue by id.

Revision ID: 0007_library
Revises: 0006_queue_order
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_library"
down_revision: str | None = "0006_queue_order"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
VIDEO_TYPES = ("shortform", "longform", "product")


def upgrade() -> None:
    allowed = ", ".join(f"'{value}'" for value in VIDEO_TYPES)
    op.create_table(
        "library_items",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("product", JSON, nullable=True),
        sa.Column("source_urls", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_items")),
        sa.CheckConstraint(f"type IN ({allowed})", name=op.f("ck_library_items_type")),
    )
    op.create_index(
        "ix_library_items_owner_updated", "library_items", ["user_id", "workspace_id", "updated_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_library_items_owner_updated", table_name="library_items")
    op.drop_table("library_items")

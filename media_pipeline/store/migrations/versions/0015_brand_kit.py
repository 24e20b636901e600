"""Brand kits: ``channel_settings.brand_kit`` (JSON, docs/ARCHITECTURE.md §9 "Brand kits").

Revision ID: 0015_brand_kit
Revises: 0014_scene_clips
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_brand_kit"
down_revision: str | None = "0014_scene_clips"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(sa.Column("brand_kit", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("brand_kit")

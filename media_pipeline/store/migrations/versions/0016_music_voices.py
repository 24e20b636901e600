"""Music library (``music_tracks``), cloned voices with their recorded consent (``cloned_voices``) and the
channel defaults ``made_for_kids`` and ``voice`` (docs/ARCHITECTURE.md §12).

Revision ID: 0016_music_voices
Revises: 0015_brand_kit
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016_music_voices"
down_revision: str | None = "0015_brand_kit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _time(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def _owner() -> list[sa.Column[str]]:
    return [
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "music_tracks",
        *_owner(),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("moods", JSON, nullable=False),
        sa.Column("licence", sa.String(500), nullable=False),
        sa.Column("storage_key", sa.String(300), nullable=False),
        sa.Column("mime", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_music_tracks")),
    )
    op.create_index("ix_music_tracks_workspace_id", "music_tracks", ["workspace_id"])
    op.create_table(
        "cloned_voices",
        *_owner(),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("provider_voice_id", sa.String(100), nullable=False),
        sa.Column("consent_by", sa.String(200), nullable=False),
        sa.Column("consent_statement", sa.Text(), nullable=False),
        _time("consent_at"),
        _time("created_at"),
        _time("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloned_voices")),
    )
    op.create_index("ix_cloned_voices_workspace_id", "cloned_voices", ["workspace_id"])
    with op.batch_alter_table("channel_settings") as batch:
        batch.add_column(sa.Column("made_for_kids", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("voice", sa.String(80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channel_settings") as batch:
        batch.drop_column("voice")
        batch.drop_column("made_for_kids")
    op.drop_index("ix_cloned_voices_workspace_id", table_name="cloned_voices")
    op.drop_table("cloned_voices")
    op.drop_index("ix_music_tracks_workspace_id", table_name="music_tracks")
    op.drop_table("music_tracks")

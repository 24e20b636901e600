"""Publications resumed after a reconnect: ``publications.awaiting_reconnect``, the channel setting whose
TikTok or Instagram account must be connected again before a publication its refused token failed is tried
once more (docs/ARCHITECTURE.md §10, publications).

Revision ID: 0019_reconnect_resume
Revises: 0018_video_performance
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_reconnect_resume"
down_revision: str | None = "0018_video_performance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.add_column(sa.Column("awaiting_reconnect", sa.String(64), nullable=True))
        batch.create_index("ix_publications_awaiting_reconnect", ["awaiting_reconnect", "target"])


def downgrade() -> None:
    with op.batch_alter_table("publications") as batch:
        batch.drop_index("ix_publications_awaiting_reconnect")
        batch.drop_column("awaiting_reconnect")

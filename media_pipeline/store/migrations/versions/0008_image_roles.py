"""The role of each paid image (who or what it shows; seed 003 §6): ``image_tasks.role``.

Revision ID: 0008_image_roles
Revises: 0007_library
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_image_roles"
down_revision: str | None = "0007_library"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("image_tasks") as batch:
        batch.add_column(sa.Column("role", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("image_tasks") as batch:
        batch.drop_column("role")

"""Accounts and channels from the console: admin and disabled users, the audit log, the default channel
of a workspace and pending OAuth connections (docs/ARCHITECTURE.md §10).

Revision ID: 0011_accounts
Revises: 0010_reliability_api
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_accounts"
down_revision: str | None = "0010_reliability_api"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
        users.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("channel_settings") as channels:
        channels.add_column(sa.Column("is_default", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_workspace_id_id", "audit_log", ["workspace_id", "id"])
    op.create_table(
        "oauth_states",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("browser_hash", sa.String(64), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_oauth_states")),
    )


def downgrade() -> None:
    op.drop_table("oauth_states")
    op.drop_index("ix_audit_log_workspace_id_id", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("channel_settings") as channels:
        channels.drop_column("is_default")
    with op.batch_alter_table("users") as users:
        users.drop_column("disabled_at")
        users.drop_column("is_admin")

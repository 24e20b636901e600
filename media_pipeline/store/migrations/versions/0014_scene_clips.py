"""Scene clips: a storyboard edit may change a scene's media (still or clip) and stock keywords.

Revision ID: 0014_scene_clips
Revises: 0013_signin_limits
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_scene_clips"
down_revision: str | None = "0013_signin_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Vocabularies as of this revision (later revisions change them explicitly).
OLD_EDIT_KINDS = ("narration", "regenerate", "upload")
EDIT_KINDS = (*OLD_EDIT_KINDS, "media")


def _edit_kinds(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("storyboard_edits") as batch:
        batch.drop_constraint(op.f("ck_storyboard_edits_kind"), type_="check")
        batch.create_check_constraint(
            op.f("ck_storyboard_edits_kind"), f"kind IN ({', '.join(repr(v) for v in values)})"
        )


def upgrade() -> None:
    _edit_kinds(EDIT_KINDS)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM storyboard_edits WHERE kind = 'media'"))
    _edit_kinds(OLD_EDIT_KINDS)

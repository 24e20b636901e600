"""ORM models of human reviews (docs/ARCHITECTURE.md §4, reviews): one record per review a generation waits
for (who decided and when) and one per storyboard edit (a narration line, a regenerated or uploaded image;
the replaced version is kept in the task's ``review/`` history)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from media_pipeline.domain.statuses import EditStatus, ReviewStatus
from media_pipeline.store.models import Base, one_of
from media_pipeline.store.types import StrEnumType


class ReviewKind(StrEnum):
    """What a review looks at: the storyboard (after the images stage) or the final video (before
    publishing)."""

    STORYBOARD = "storyboard"
    FINAL = "final"


class EditKind(StrEnum):
    """What a storyboard edit changed."""

    NARRATION = "narration"
    REGENERATE = "regenerate"
    UPLOAD = "upload"
    MEDIA = "media"
    """The scene's media (still or clip) or its stock keywords."""


class TaskReview(Base):
    """One review of one generation of a task, with its decision (who and when)."""

    __tablename__ = "task_reviews"
    __table_args__ = (
        UniqueConstraint("task_id", "generation", "kind"),
        one_of("kind", ReviewKind),
        one_of("status", ReviewStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    kind: Mapped[ReviewKind] = mapped_column(StrEnumType(ReviewKind))
    status: Mapped[ReviewStatus] = mapped_column(StrEnumType(ReviewStatus), default=ReviewStatus.PENDING)
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))


class StoryboardEdit(Base):
    """One change made in a storyboard review: ``before``/``after`` hold the narration texts, or the
    storage keys of the replaced and the new image (a regeneration's paid image is ``image_index`` of the
    generation's image job)."""

    __tablename__ = "storyboard_edits"
    __table_args__ = (
        one_of("kind", EditKind),
        one_of("status", EditStatus),
        Index("ix_storyboard_edits_task_id_generation", "task_id", "generation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    scene_index: Mapped[int] = mapped_column(Integer)
    kind: Mapped[EditKind] = mapped_column(StrEnumType(EditKind))
    status: Mapped[EditStatus] = mapped_column(StrEnumType(EditStatus))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    image_index: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]

"""Where a generation stops for a human review (docs/ARCHITECTURE.md §4, reviews): after the images stage
for a storyboard review, after the thumbnail stage (before publishing) for a final review, when the task's
``review`` setting asks for it and that review of the generation is not approved yet.

Works inside the state machine's transaction on the locked task row; the status move itself is
``state_machine.enter_review``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.models import ReviewSettings
from media_pipeline.domain.stages import Stage
from media_pipeline.domain.statuses import ReviewStatus
from media_pipeline.store.models import Task
from media_pipeline.store.review_models import ReviewKind, TaskReview

REVIEW_AFTER = {Stage.IMAGES.value: ReviewKind.STORYBOARD, Stage.THUMBNAIL.value: ReviewKind.FINAL}
"""The stage after which each review waits."""
REVIEWED_STAGE = {kind: stage for stage, kind in REVIEW_AFTER.items()}


def review_due(session: Session, task: Task, stage: str) -> ReviewKind | None:
    """The review the task's generation waits for now that ``stage`` completed (None if none)."""
    kind = REVIEW_AFTER.get(stage)
    if kind is None:
        return None
    wanted = ReviewSettings.model_validate(task.settings.get("review") or {})
    if not (wanted.storyboard if kind is ReviewKind.STORYBOARD else wanted.final):
        return None
    decided = session.scalar(
        select(TaskReview.status).where(
            TaskReview.task_id == task.id,
            TaskReview.generation == task.generation,
            TaskReview.kind == kind,
        )
    )
    return kind if decided in (None, ReviewStatus.PENDING) else None


def open_review(session: Session, task: Task, kind: ReviewKind, now: datetime) -> None:
    """Record that the generation waits for the ``kind`` review (once per generation and kind)."""
    exists = session.scalar(
        select(TaskReview.id).where(
            TaskReview.task_id == task.id,
            TaskReview.generation == task.generation,
            TaskReview.kind == kind,
        )
    )
    if exists is None:
        session.add(TaskReview(task_id=task.id, generation=task.generation, kind=kind, requested_at=now))

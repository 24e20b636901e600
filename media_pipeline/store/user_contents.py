""" "My contents" (seed 001 §13): one item per generation of a task, kept in step with its stages.

Script written -> a ``script`` item in ``draft`` (``tasks.content_id`` points to it); video written -> the
item becomes a ``video``; published -> ``published`` with the YouTube URL; the generation failed or was
stopped -> ``failed`` with the error. The hooks run inside the stage-report and stop transactions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import Stage
from media_pipeline.store.base import OwnedService
from media_pipeline.store.enums import ContentKind, UserContentStatus, UserContentType
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import Content, Task, UserContent
from media_pipeline.store.views import UserContentView


def _current(session: Session, task: Task) -> UserContent | None:
    return session.scalars(
        select(UserContent).where(UserContent.task_id == task.id, UserContent.generation == task.generation)
    ).first()


def on_stage_completed(session: Session, task: Task, stage: str, now: datetime) -> None:
    """Create or advance the generation's item after ``stage`` completed (the task row is up to date)."""
    item = _current(session, task)
    if stage == Stage.SCRIPT and item is None:
        item = UserContent(
            id=new_id("m"),
            user_id=task.user_id,
            workspace_id=task.workspace_id,
            task_id=task.id,
            generation=task.generation,
            type=UserContentType.SCRIPT,
            title=task.title,
            status=UserContentStatus.DRAFT,
            created_at=now,
            updated_at=now,
        )
        session.add(item)
        task.content_id = item.id
        return
    if item is None:
        return
    if stage == Stage.VIDEO:
        item.type, item.updated_at = UserContentType.VIDEO, now
    elif stage == Stage.YOUTUBE_VIDEO:
        item.status, item.published_at, item.updated_at = UserContentStatus.PUBLISHED, now, now
        item.youtube_url = _youtube_url(session, task)


def on_generation_ended(session: Session, task: Task, error: str | None, now: datetime) -> None:
    """Mark the generation's item failed (a failed or stopped generation); published items stay."""
    item = _current(session, task)
    if item is not None and item.status is UserContentStatus.DRAFT:
        item.status, item.error, item.updated_at = UserContentStatus.FAILED, error, now


def _youtube_url(session: Session, task: Task) -> str | None:
    """The URL of the generation's YouTube upload (None if it was published to the local folder)."""
    for url, meta in session.execute(
        select(Content.url, Content.meta).where(
            Content.task_id == task.id,
            Content.generation == task.generation,
            Content.kind == ContentKind.PUBLISH,
        )
    ):
        if meta.get("uploaded_to_youtube"):
            return url
    return None


class UserContentService(OwnedService):
    """The owner's contents ("my contents")."""

    def list(
        self,
        *,
        statuses: Sequence[UserContentStatus] = (),
        types: Sequence[UserContentType] = (),
        task_id: str | None = None,
        query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[UserContentView], int]:
        """A page of the owner's contents (newest change first) matching the filters, and the total."""
        stmt = select(UserContent).where(
            UserContent.user_id == self.owner.user_id, UserContent.workspace_id == self.owner.workspace_id
        )
        if statuses:
            stmt = stmt.where(UserContent.status.in_(statuses))
        if types:
            stmt = stmt.where(UserContent.type.in_(types))
        if task_id is not None:
            stmt = stmt.where(UserContent.task_id == task_id)
        if query:
            escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(func.lower(UserContent.title).like(f"%{escaped}%", escape="\\"))
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(
                stmt.order_by(UserContent.updated_at.desc(), UserContent.id).limit(limit).offset(offset)
            ).all()
            return [UserContentView.model_validate(row) for row in rows], total

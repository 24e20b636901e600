""" "My contents" (seed 001 §13): one item per generation of a task, kept in step with its stages.

Script written -> a ``script`` item in ``draft`` (``tasks.content_id`` points to it); video written -> the
item becomes a ``video``; published -> ``published`` with the YouTube URL; the generation failed or was
stopped -> ``failed`` with the error. The hooks run inside the stage-report and stop transactions.

Deleting an item (seed 001 §13.6, "contents 삭제: task는 유지") removes its generation's stored files and
file records and the item; the task stays (its ``content_id`` is cleared if it pointed there). A YouTube
upload is not deleted from YouTube.
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from media_pipeline.domain import TaskPaths
from media_pipeline.domain.stages import Stage
from media_pipeline.domain.statuses import ACTIVE_STATUSES, UserContentStatus
from media_pipeline.store.clock import as_utc
from media_pipeline.store.enums import ContentKind, UserContentType
from media_pipeline.store.errors import ConflictError, NotFoundError
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import Content, Task, UserContent
from media_pipeline.store.render_jobs import TaskFilesService
from media_pipeline.store.views import ContentFileView, DeletedContentView, UserContentView

FILE_KINDS = (ContentKind.SCRIPT, ContentKind.VIDEO, ContentKind.SUBTITLES, ContentKind.THUMBNAIL)
"""The files an item offers for download."""


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
        # a publish stage reopened after a reconnect keeps the first publishing time
        item.status, item.updated_at = UserContentStatus.PUBLISHED, now
        item.published_at = item.published_at or now
        item.youtube_url = _youtube_url(session, task)


def on_generation_ended(session: Session, task: Task, error: str | None, now: datetime) -> None:
    """Mark the generation's item failed (a failed or stopped generation); published items stay."""
    item = _current(session, task)
    if item is not None and item.status is UserContentStatus.DRAFT:
        item.status, item.error, item.updated_at = UserContentStatus.FAILED, error, now


def _youtube_url(session: Session, task: Task) -> str | None:
    """The URL of the generation's YouTube upload (None if it was published to the local folder)."""
    published: Sequence[tuple[str | None, dict[str, Any]]] = session.execute(
        select(Content.url, Content.meta).where(
            Content.task_id == task.id,
            Content.generation == task.generation,
            Content.kind == ContentKind.PUBLISH,
        )
    ).all()
    for url, meta in published:
        if meta.get("uploaded_to_youtube"):
            return url
    return None


class UserContentService(TaskFilesService):
    """The owner's contents ("my contents"), with download URLs of their files; deleting an item removes
    its files from the storage."""

    def list(
        self,
        *,
        statuses: Sequence[UserContentStatus] = (),
        types: Sequence[UserContentType] = (),
        task_id: str | None = None,
        query: str | None = None,
        created_from: datetime | None = None,
        created_to: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[UserContentView], int]:
        """A page of the owner's contents (newest change first) matching the filters (``created_from`` <=
        created < ``created_to``), each with its files and duration, and the total."""
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
        if created_from is not None:
            stmt = stmt.where(UserContent.created_at >= as_utc(created_from))
        if created_to is not None:
            stmt = stmt.where(UserContent.created_at < as_utc(created_to))
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
            rows = session.scalars(
                stmt.order_by(UserContent.updated_at.desc(), UserContent.id).limit(limit).offset(offset)
            ).all()
            files = self._files(session, rows)
            return [self._view(row, files[(row.task_id, row.generation)]) for row in rows], total

    def delete(self, content_id: str) -> DeletedContentView:
        """Delete the item, its generation's file records and stored files (the task stays). ConflictError
        while that generation is queued or running; NotFoundError for another owner's or no item."""
        with self._write() as session:
            item = session.scalars(
                select(UserContent).where(
                    UserContent.id == content_id,
                    UserContent.user_id == self.owner.user_id,
                    UserContent.workspace_id == self.owner.workspace_id,
                )
            ).first()
            if item is None:
                raise NotFoundError(f"content {content_id!r} not found", {"contentId": content_id})
            task = self._task(session, item.task_id, lock=True)
            if item.generation == task.generation and task.status in ACTIVE_STATUSES:
                raise ConflictError(
                    "this content is still being produced; stop the task first",
                    {"contentId": content_id, "taskId": task.id, "status": task.status.value},
                )
            records = session.scalars(
                select(Content).where(Content.task_id == task.id, Content.generation == item.generation)
            ).all()
            keys = self._generation_keys(task, item.generation)
            result = DeletedContentView(
                id=item.id,
                task_id=task.id,
                generation=item.generation,
                deleted_records=len(records),
                deleted_files=len(keys),
                youtube_url=item.youtube_url,
            )
            for record in records:
                session.delete(record)
            if task.content_id == item.id:
                task.content_id = None
            session.delete(item)
            session.flush()
            self._storage.delete(keys)  # under the task lock: no new generation moves them meanwhile
        return result

    def _generation_keys(self, task: Task, generation: int) -> builtins.list[str]:
        """Storage keys of the generation's files. For the current generation: everything in the task
        folder but its ``task.json`` settings snapshot, the creator's ``uploads/`` and older generations'
        ``history/`` (outputs, narration and render caches); for an older one: ``history/<generation>/``."""
        keys = TaskPaths.keys(task.id)
        if generation != task.generation:
            return self._storage.list_keys(keys.history_dir(generation).as_posix())
        folder = keys.dir.as_posix() + "/"
        kept = (keys.uploads_dir.name + "/", "history/")
        return [
            key
            for key in self._storage.list_keys(keys.dir.as_posix())
            if (name := key[len(folder) :]) != keys.task_json.name and not name.startswith(kept)
        ]

    def _files(
        self, session: Session, rows: Sequence[UserContent]
    ) -> dict[tuple[str, int], builtins.list[Content]]:
        found: dict[tuple[str, int], list[Content]] = defaultdict(list)
        wanted = {(row.task_id, row.generation) for row in rows}
        if not wanted:
            return found
        for content in session.scalars(
            select(Content)
            .where(Content.task_id.in_({task for task, _ in wanted}), Content.kind.in_(FILE_KINDS))
            .order_by(Content.id)
        ):
            if (content.task_id, content.generation) in wanted and content.path is not None:
                found[(content.task_id, content.generation)].append(content)
        return found

    def _view(self, row: UserContent, contents: builtins.list[Content]) -> UserContentView:
        latest = {content.kind: content for content in contents}  # the newest record of each kind
        video = latest.get(ContentKind.VIDEO)
        return UserContentView.model_validate(row).model_copy(
            update={
                "duration_s": None if video is None else video.meta.get("duration"),
                "files": [
                    ContentFileView(kind=kind, url=self._asset_url(row.task_id, row.generation, content.id))
                    for kind, content in latest.items()
                ],
            }
        )

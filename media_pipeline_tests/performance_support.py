"""Seeding published videos and their daily metrics for the performance tests (orchestration, API,
console): the rows a finished production leaves (task, "my contents" item with its YouTube URL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from media_pipeline.domain import TaskSettings, VideoType
from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.domain.statuses import TaskStatus, UserContentStatus
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, make_engine, session_factory
from media_pipeline.store.enums import UserContentType
from media_pipeline.store.ids import new_id, new_task_id
from media_pipeline.store.models import Queue, Task, UserContent
from media_pipeline.store.performance import PerformanceStore


def publish_video(
    db_url: str,
    owner: Owner,
    title: str,
    video_id: str,
    published_at: datetime,
    *,
    video_type: VideoType = VideoType.SHORTFORM,
    target: str = "youtube",
    **settings: Any,
) -> Publication:
    """A succeeded task whose generation 1 was published to ``target`` as ``video_id`` at ``published_at``
    (the item keeps a YouTube URL only for ``youtube``)."""
    task_id = new_task_id()
    with session_factory(make_engine(db_url)).begin() as session:
        queue_id = session.scalar(
            select(Queue.id).where(Queue.user_id == owner.user_id, Queue.workspace_id == owner.workspace_id)
        )
        if queue_id is None:
            queue_id = new_id("q")
            session.add(
                Queue(id=queue_id, user_id=owner.user_id, workspace_id=owner.workspace_id, name="default")
            )
        content_id = new_id("m")
        session.add(
            Task(
                id=task_id,
                user_id=owner.user_id,
                workspace_id=owner.workspace_id,
                queue_id=queue_id,
                title=title,
                type=video_type,
                settings=TaskSettings.model_validate({"type": video_type, **settings}).model_dump(
                    mode="json", by_alias=True
                ),
                status=TaskStatus.SUCCEEDED,
                generation=1,
                content_id=content_id,
            )
        )
        session.flush()
        session.add(
            UserContent(
                id=content_id,
                user_id=owner.user_id,
                workspace_id=owner.workspace_id,
                task_id=task_id,
                generation=1,
                type=UserContentType.VIDEO,
                title=title,
                status=UserContentStatus.PUBLISHED,
                youtube_url=f"https://www.youtube.com/watch?v={video_id}" if target == "youtube" else None,
                published_at=published_at,
            )
        )
    return Publication(
        content_id=content_id,
        task_id=task_id,
        workspace_id=owner.workspace_id,
        target=target,
        remote_id=video_id,
        published_at=published_at,
    )


def record_views(
    db_url: str,
    publication: Publication,
    views: dict[date, int],
    fetched_at: datetime,
    first_line_chars: int | None = None,
    **metrics: Any,
) -> None:
    """Store ``views`` per day (and the same other ``metrics`` every day) as a refresh at ``fetched_at``."""
    days = [DailyMetrics(day=day, views=count, **metrics) for day, count in views.items()]
    PerformanceStore(db_url, settings=Settings()).record(  # recording reads no settings
        publication, days, fetched_at, first_line_chars
    )

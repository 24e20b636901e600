"""Videos (``/api/v1/videos``): a video is a task. Its render jobs are served by ``routes_render`` (v2); its
current files and script review in v1 by ``routes_video_files``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from media_pipeline.api.deps import Context, ReadOwner, VideoId
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import ApiModel, Items, Progress, Task
from media_pipeline.store import TaskProgress, TaskStatus, TaskView
from media_pipeline.usecases_publish import publications_of

router = APIRouter(prefix="/api/v1/videos", tags=["videos"], responses=responses(400, 401, 403, 404, 422))


@router.get("", summary="The caller's videos, most recently updated first")
def list_videos(
    context: Context,
    owner: ReadOwner,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Items[Task]:
    return Items[Task](items=context.tasks(owner).list_tasks(status, limit))


@router.get("/{videoId}", response_model=Task, summary="One video")
def get_video(video_id: VideoId, context: Context, owner: ReadOwner) -> TaskView:
    return context.tasks(owner).get(video_id)


@router.get("/{videoId}/progress", response_model=Progress, summary="Progress snapshot with stage states")
def get_progress(video_id: VideoId, context: Context, owner: ReadOwner) -> TaskProgress:
    return context.tasks(owner).progress(video_id)


class PublicationOut(ApiModel):
    """One publication of the video: a generation on one target (docs/ARCHITECTURE.md §10, publications)."""

    generation: int
    target: str
    status: str
    post_id: str | None
    url: str | None
    error: str | None
    deferred_until: datetime | None
    awaiting_reconnect: bool
    """Failed because the platform refused the account's token: resumed once it is connected again."""
    updated_at: datetime | None


@router.get(
    "/{videoId}/publications", summary="Where the video was published: one entry per generation and target"
)
def get_publications(video_id: VideoId, context: Context, owner: ReadOwner) -> Items[PublicationOut]:
    found = publications_of(context.engine, context.settings, owner, video_id)
    return Items[PublicationOut](
        items=[
            PublicationOut(
                generation=pub.generation,
                target=pub.target.value,
                status=pub.status.value,
                post_id=pub.post_id,
                url=pub.url,
                error=pub.error,
                deferred_until=pub.deferred_until,
                awaiting_reconnect=pub.awaiting_reconnect is not None,
                updated_at=pub.updated_at,
            )
            for pub in found
        ]
    )

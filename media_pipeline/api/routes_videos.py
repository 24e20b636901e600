"""Videos (``/api/v1/videos``): a video is a task. Its render jobs are served by ``routes_render`` (v2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from media_pipeline.api.deps import Context, ReadOwner, VideoId
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import Items, Progress, Task
from media_pipeline.store import TaskProgress, TaskStatus, TaskView

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

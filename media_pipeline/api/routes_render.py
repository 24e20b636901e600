"""Videos and their render jobs (``/api/v1/videos``): a video is a task, a render job one generation of it.
Live progress: ``WS /ws/videos/{videoId}/render-progress`` (see the app description)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import FileResponse, RedirectResponse

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, VideoId, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import MAX_INT, Items, Page, Progress, PublishedAssets, RenderJob, Task
from media_pipeline.store import TaskProgress, TaskStatus, TaskView

router = APIRouter(
    prefix="/api/v1/videos", tags=["videos"], responses=responses(400, 401, 403, 404, 413, 422)
)
JobId = Annotated[
    str,
    Path(
        alias="jobId",
        max_length=80,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*-g[1-9][0-9]{0,8}$",
        description="``{videoId}-g{generation}``",
    ),
]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("", summary="The caller's videos, most recently updated first")
def list_videos(
    context: Context,
    owner: ReadOwner,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    limit: Limit = 100,
) -> Items[Task]:
    return Items[Task](items=context.tasks(owner).list_tasks(status, limit))


@router.get("/{videoId}", response_model=Task, summary="One video")
def get_video(video_id: VideoId, context: Context, owner: ReadOwner) -> TaskView:
    return context.tasks(owner).get(video_id)


@router.get("/{videoId}/progress", response_model=Progress, summary="Progress snapshot with stage states")
def get_progress(video_id: VideoId, context: Context, owner: ReadOwner) -> TaskProgress:
    return context.tasks(owner).progress(video_id)


@router.post(
    "/{videoId}/render-jobs",
    status_code=202,
    response_description="A new job was queued.",
    responses={
        200: {"model": RenderJob, "description": "A job is already queued or running: that job."},
        **responses(409),
    },
    summary="Render the video (idempotent)",
)
def create_render_job(
    video_id: VideoId, context: Context, owner: WriteOwner, response: Response
) -> RenderJob:
    """202 with a new job, or 200 with the job already queued/running. A draft is queued through the
    queue; a finished video is produced again as a new generation."""
    job, created = context.usecases(owner).start_render_job(video_id)
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"{router.prefix}/{video_id}/render-jobs/{job.id}"
    return job


@router.get("/{videoId}/render-jobs", summary="The video's render jobs, newest first")
def list_render_jobs(
    video_id: VideoId,
    context: Context,
    owner: ReadOwner,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[RenderJob]:
    items, total = context.render_jobs(owner).list(video_id, limit, offset)
    return Page[RenderJob](items=items, total=total, limit=limit, offset=offset)


@router.get("/{videoId}/render-jobs/{jobId}", summary="One render job")
def get_render_job(video_id: VideoId, job_id: JobId, context: Context, owner: ReadOwner) -> RenderJob:
    return context.render_jobs(owner).get(video_id, job_id)


@router.post("/{videoId}/render-jobs/{jobId}/cancel", summary="Cancel a queued or running job (idempotent)")
def cancel_render_job(video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner) -> RenderJob:
    return context.usecases(owner).cancel_render_job(video_id, job_id)


@router.post(
    "/{videoId}/render-jobs/{jobId}/approve-script",
    responses=responses(409),
    summary="Approve the written script so rendering continues (tasks with requiresApproval)",
)
def approve_script(video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner) -> RenderJob:
    return context.usecases(owner).approve_script(video_id, job_id)


@router.get(
    "/{videoId}/render-jobs/{jobId}/assets/{assetId}",
    response_class=FileResponse,
    responses={
        200: {"description": "The file (local-folder storage)", "content": {"application/octet-stream": {}}},
        307: {"description": "Redirect to a presigned object URL (object storage)"},
    },
    summary="Download a produced file",
)
def download_asset(
    video_id: VideoId,
    job_id: JobId,
    asset_id: Annotated[int, Path(alias="assetId", ge=1, le=MAX_INT)],
    context: Context,
    owner: DownloadOwner,
) -> Response:
    asset = context.render_jobs(owner).asset_file(video_id, job_id, asset_id)
    if asset.url is not None:
        return RedirectResponse(asset.url, status_code=307)
    assert asset.path is not None
    return FileResponse(
        asset.path, media_type=asset.media_type, filename=asset.name, content_disposition_type="inline"
    )


@router.get("/{videoId}/assets/published", summary="Files and publish record of the latest published job")
def published_assets(video_id: VideoId, context: Context, owner: ReadOwner) -> PublishedAssets:
    view = context.render_jobs(owner).published(video_id)
    return PublishedAssets(**view.model_dump(), playback_url=f"/api/v1/videos/{video_id}/playback")

"""Render jobs of a video as seed 002 specifies them (``/api/v2/videos/{video_id}/...``, snake_case JSON).

A render job is one generation of the video (task), id ``{video_id}-g{generation}``; live progress is
``WS /ws/videos/{video_id}/render-progress`` (``ws_progress``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import FileResponse

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.files import stored_file
from media_pipeline.api.render_contract import (
    CreatedRenderJob,
    CreateRenderJobBody,
    PublishedAssets,
    RenderFile,
    RenderFileList,
    RenderJob,
    RenderJobList,
)
from media_pipeline.api.schemas import MAX_INT
from media_pipeline.domain.models import TASK_ID_PATTERN

PREFIX = "/api/v2/videos"
router = APIRouter(prefix=PREFIX, tags=["render jobs"], responses=responses(400, 401, 403, 404, 422))
VideoId = Annotated[str, Path(pattern=TASK_ID_PATTERN, max_length=64, description="Task id of the video.")]
JOB_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*-g[1-9][0-9]{0,8}$"
JobId = Annotated[str, Path(max_length=80, pattern=JOB_ID_PATTERN, description="``{video_id}-g{n}``")]


@router.post(
    "/{video_id}/render-jobs",
    status_code=202,
    response_description="A new job was created and queued.",
    responses={
        200: {"model": CreatedRenderJob, "description": "A PENDING/RUNNING job exists: that job."},
        **responses(409),
    },
    summary="Render the video's approved script (idempotent)",
)
def create_render_job(
    video_id: VideoId, body: CreateRenderJobBody, context: Context, owner: WriteOwner, response: Response
) -> CreatedRenderJob:
    """202 with a new job, or 200 with the job already PENDING/RUNNING. 409 ``SCRIPT_NOT_APPROVED`` (with
    ``script_id`` and ``review_status``) unless the script is approved."""
    job, created = context.usecases(owner).start_render_job(video_id, body.script_id)
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"{PREFIX}/{video_id}/render-jobs/{job.id}"
    return CreatedRenderJob.answer(job, created)


@router.get("/{video_id}/render-jobs", summary="The video's render jobs, newest first")
def list_render_jobs(
    video_id: VideoId,
    context: Context,
    owner: ReadOwner,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> RenderJobList:
    jobs, total = context.render_jobs(owner).list(video_id, limit, offset)
    return RenderJobList(
        video_id=video_id, jobs=[RenderJob.of(job) for job in jobs], total=total, limit=limit, offset=offset
    )


@router.get("/{video_id}/render-jobs/{job_id}", summary="One render job")
def get_render_job(video_id: VideoId, job_id: JobId, context: Context, owner: ReadOwner) -> RenderJob:
    return RenderJob.of(context.render_jobs(owner).get(video_id, job_id))


@router.get("/{video_id}/render-jobs/{job_id}/assets", summary="Every file of a render job")
def list_job_files(video_id: VideoId, job_id: JobId, context: Context, owner: ReadOwner) -> RenderFileList:
    job = context.render_jobs(owner).get(video_id, job_id)
    files = [RenderFile.model_validate(asset.model_dump()) for asset in job.assets]
    return RenderFileList(video_id=video_id, job_id=job.id, files=files)


@router.post(
    "/{video_id}/render-jobs/{job_id}/cancel", summary="Cancel a PENDING or RUNNING job (idempotent)"
)
def cancel_render_job(video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner) -> RenderJob:
    return RenderJob.of(context.usecases(owner).cancel_render_job(video_id, job_id))


@router.post(
    "/{video_id}/render-jobs/{job_id}/stop-after-current-image",
    summary="Finish the image in progress, then stop and refund the rest (idempotent)",
)
def stop_after_current_image(
    video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner
) -> RenderJob:
    """With no image in progress this is the plain cancel (every image not made is refunded)."""
    return RenderJob.of(context.usecases(owner).stop_after_current_image(video_id, job_id))


@router.post(
    "/{video_id}/render-jobs/{job_id}/approve-script",
    responses=responses(409),
    summary="Approve the job's written script so rendering continues (tasks with requiresApproval)",
)
def approve_script(video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner) -> RenderJob:
    return RenderJob.of(context.usecases(owner).approve_script(video_id, job_id))


@router.post(
    "/{video_id}/render-jobs/{job_id}/reject-script",
    responses=responses(409),
    summary="Reject the job's written script: the job is canceled and the script never renders",
)
def reject_script(video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner) -> RenderJob:
    return RenderJob.of(context.usecases(owner).reject_script(video_id, job_id))


@router.get(
    "/{video_id}/render-jobs/{job_id}/assets/{asset_id}",
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
    asset_id: Annotated[int, Path(ge=1, le=MAX_INT)],
    context: Context,
    owner: DownloadOwner,
) -> Response:
    return stored_file(context.render_jobs(owner).asset_file(video_id, job_id, asset_id))


@router.get(
    "/{video_id}/assets/published",
    response_model=PublishedAssets,
    response_model_exclude_unset=True,
    summary="Files of the latest published job (``published: false`` before the first publish)",
)
def published_assets(video_id: VideoId, context: Context, owner: ReadOwner) -> PublishedAssets:
    return PublishedAssets.of(context.render_jobs(owner).published(video_id))

"""Image jobs of paid render jobs (seed 003 §3, §5): per-image status and URLs, the active job of a video
(``?status=PENDING,PROCESSING``), the image files and "stop after the current image" (the use case of
``routes_render``'s v2 route of that name, in v1 for the console's image job page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import FileResponse

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, VideoId, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.file_responses import asset_response
from media_pipeline.api.routes_render import JOB_ID_PATTERN
from media_pipeline.api.schemas import Items
from media_pipeline.api.schemas_credits import ImageJob
from media_pipeline.store import ImageJobStatus, ImageJobView, ValidationFailed

router = APIRouter(prefix="/api/v1/videos", tags=["image jobs"], responses=responses(400, 401, 403, 404, 422))
JobId = Annotated[
    str, Path(alias="jobId", max_length=80, pattern=JOB_ID_PATTERN, description="``{videoId}-g{n}``")
]


def _statuses(text: str | None) -> list[ImageJobStatus] | None:
    if text is None:
        return None
    try:
        return [ImageJobStatus(part.strip().upper()) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        allowed = ", ".join(ImageJobStatus)
        raise ValidationFailed(
            f"status must be a comma-separated list of {allowed}",
            {"errors": [{"field": "status", "message": str(exc), "type": "enum"}]},
        ) from exc


@router.get("/{videoId}/image-jobs", summary="The video's image jobs, newest first (filter by status)")
def list_image_jobs(
    video_id: VideoId,
    context: Context,
    owner: ReadOwner,
    status: Annotated[
        str | None,
        Query(max_length=100, description="Comma-separated, e.g. PENDING,PROCESSING for the active job."),
    ] = None,
) -> Items[ImageJob]:
    return Items[ImageJob](items=context.usecases(owner).images.list(video_id, _statuses(status)))


@router.get("/{videoId}/image-jobs/{jobId}", response_model=ImageJob, summary="One image job with its images")
def get_image_job(video_id: VideoId, job_id: JobId, context: Context, owner: ReadOwner) -> ImageJobView:
    return context.usecases(owner).images.get(video_id, job_id)


@router.get(
    "/{videoId}/image-jobs/{jobId}/images/{index}",
    response_class=FileResponse,
    responses={
        200: {"description": "The image (local-folder storage)", "content": {"image/png": {}}},
        307: {"description": "Redirect to a presigned object URL (object storage)"},
    },
    summary="A made image",
)
def download_image(
    video_id: VideoId,
    job_id: JobId,
    index: Annotated[int, Path(ge=0, le=29)],
    context: Context,
    owner: DownloadOwner,
) -> Response:
    asset = context.usecases(owner).images.image_file(video_id, job_id, index)
    return asset_response(asset, filename=asset.name)


@router.post(
    "/{videoId}/image-jobs/{jobId}/stop-after-current-image",
    response_model=ImageJob,
    summary="Finish the image in progress, then stop the job and refund the images not made (idempotent)",
)
def stop_after_current_image(
    video_id: VideoId, job_id: JobId, context: Context, owner: WriteOwner
) -> ImageJobView:
    """With no image in progress this stops the render job at once (every image not made is refunded)."""
    commands = context.usecases(owner)
    commands.stop_after_current_image(video_id, job_id)
    return commands.images.get(video_id, job_id)

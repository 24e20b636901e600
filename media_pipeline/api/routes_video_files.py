"""A video's files and script review in v1 (``/api/v1/videos/{videoId}/files``, ``.../script/*``, camelCase).

The same render-job reads and use cases as seed 002's v2 routes (``routes_render``), for the current
generation: the console's task page speaks v1 only (docs/ARCHITECTURE.md §1, one wire format per page).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response
from fastapi.responses import FileResponse

from media_pipeline.api.context import file_url
from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, VideoId, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.file_responses import asset_response
from media_pipeline.api.schemas import MAX_INT, Task, VideoFiles
from media_pipeline.store import TaskView

router = APIRouter(prefix="/api/v1/videos", tags=["videos"], responses=responses(400, 401, 403, 404, 422))


@router.get(
    "/{videoId}/files",
    summary="Files of the video's current generation (script, images, video, thumbnail, subtitles, publish)",
)
def list_files(video_id: VideoId, context: Context, owner: ReadOwner) -> VideoFiles:
    """Also says whether the written script waits for ``script/approve`` or ``script/reject``."""
    return VideoFiles.of(video_id, context.render_jobs(owner, urls=file_url).current(video_id))


@router.get(
    "/{videoId}/files/{fileId}",
    response_class=FileResponse,
    responses={
        200: {"description": "The file (local-folder storage)", "content": {"application/octet-stream": {}}},
        307: {"description": "Redirect to a presigned object URL (object storage)"},
    },
    summary="Download one file of the video (any generation)",
)
def download_file(
    video_id: VideoId,
    file_id: Annotated[int, Path(alias="fileId", ge=1, le=MAX_INT, description="``id`` of a listed file.")],
    context: Context,
    owner: DownloadOwner,
) -> Response:
    stored = context.render_jobs(owner).content_file(video_id, file_id)
    return asset_response(stored, filename=stored.name)


@router.post(
    "/{videoId}/script/approve",
    response_model=Task,
    responses=responses(409),
    summary="Approve the current generation's written script so rendering continues (idempotent)",
)
def approve_script(video_id: VideoId, context: Context, owner: WriteOwner) -> TaskView:
    """409 ``CONFLICT`` when no written script waits for review (as v2's ``approve-script``)."""
    return context.usecases(owner).approve_current_script(video_id)


@router.post(
    "/{videoId}/script/reject",
    response_model=Task,
    responses=responses(409),
    summary="Reject the current generation's written script: its run is stopped and it never renders "
    "(idempotent)",
)
def reject_script(video_id: VideoId, context: Context, owner: WriteOwner) -> TaskView:
    """409 ``CONFLICT`` when no written script waits for review or it is already approved (as v2's
    ``reject-script``)."""
    return context.usecases(owner).reject_current_script(video_id)

"""``GET /api/v1/published-videos/{task_id}?exp=&sig=``: a task's final video for a platform that fetches
it (Instagram Reels) when the task storage is the local folder; no bearer token, the signed link
(``storage/signed_links.py``) is the authorization (docs/ARCHITECTURE.md §10, publications)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from media_pipeline.api.deps import Context
from media_pipeline.api.errors import ApiError, responses
from media_pipeline.domain import TaskPaths
from media_pipeline.storage.signed_links import valid_video_link
from media_pipeline.store import NotFoundError

router = APIRouter(prefix="/api/v1/published-videos", tags=["videos"])


@router.get(
    "/{task_id}",
    summary="A task's final video through a signed link (for platforms that fetch it)",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}, **responses(403, 404, 422)},
)
def published_video(
    task_id: Annotated[str, Path(max_length=64)],
    context: Context,
    exp: Annotated[int, Query(ge=0, le=2**40)],
    sig: Annotated[str, Query(min_length=20, max_length=64)],
) -> FileResponse:
    secret = context.settings.jwt_secret.get_secret_value()
    if not valid_video_link(secret, task_id, exp, sig, time.time()):
        raise ApiError(403, "invalid or expired link", {"taskId": task_id}, code="FORBIDDEN")
    path = context.storage.local_path(TaskPaths.keys(task_id).output_mp4.as_posix())
    if path is None or not path.is_file():
        raise NotFoundError("the video is not in the local task storage", {"taskId": task_id})
    return FileResponse(path, media_type="video/mp4")

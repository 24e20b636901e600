"""Scene image uploads for mediaMode ``upload`` (multipart; size-limited while streaming; type sniffed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from media_pipeline.api.deps import Context, ReadOwner, VideoId, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import Items, StoredFile
from media_pipeline.api.uploads import MAX_FILES_PER_REQUEST, save_uploads, stored_uploads

router = APIRouter(
    prefix="/api/v1/videos", tags=["uploads"], responses=responses(400, 401, 403, 404, 413, 422)
)


@router.post(
    "/{videoId}/uploads",
    status_code=201,
    responses=responses(400, 409, 413, 415),
    form_limits={"max_files": MAX_FILES_PER_REQUEST, "max_fields": 0},
    summary="Upload scene images (JPEG, PNG, GIF or WebP; all or none are stored)",
)
def upload_images(
    video_id: VideoId,
    files: Annotated[list[UploadFile], File(description=f"1-{MAX_FILES_PER_REQUEST} image files")],
    context: Context,
    owner: WriteOwner,
) -> Items[StoredFile]:
    stored = save_uploads(context.usecases(owner), video_id, files)
    return Items[StoredFile](items=stored)


@router.get("/{videoId}/uploads", summary="The video's uploaded images, oldest first")
def list_uploaded_images(video_id: VideoId, context: Context, owner: ReadOwner) -> Items[StoredFile]:
    return Items[StoredFile](items=stored_uploads(context.tasks(owner), context.storage, video_id))

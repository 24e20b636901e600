"""The creator's library (``/api/library``; seed 000's assets): items with uploaded images and clips, a
cover and the history of the tasks made from them. ``POST /api/queue/{id}/jobs`` takes their ids."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile

from media_pipeline.api.deps import Context, DownloadOwner, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.file_responses import asset_response
from media_pipeline.api.library import (
    COVER_CACHE,
    cover_version,
    item_out,
    placeholder_svg,
    save_files,
    stored_response,
)
from media_pipeline.api.schemas import Items, Page
from media_pipeline.api.schemas_library import LibraryFile, LibraryItem, LibraryItemBody, LibraryItemPatch
from media_pipeline.api.uploads import MAX_FILES_PER_REQUEST
from media_pipeline.domain.library import LIBRARY_ID_PATTERN
from media_pipeline.domain.models import VideoType
from media_pipeline.store import TaskStatus, render_job_id

router = APIRouter(prefix="/api/library", tags=["library"], responses=responses(400, 401, 403, 422))
LibraryId = Annotated[
    str, Path(alias="libraryId", pattern=LIBRARY_ID_PATTERN, max_length=64, examples=["lib3f9a0c1d2b4e"])
]
FileName = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9_-]{1,120}\.[a-z0-9]{2,5}$", description="A stored file name.")
]
_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The file (local-folder storage)", "content": {"image/*": {}, "video/*": {}}},
    307: {"description": "Redirect to a presigned object URL (object storage)"},
    404: responses(404)[404],
}


@router.post("", status_code=201, summary="Create a library item")
def create_item(body: LibraryItemBody, context: Context, owner: WriteOwner) -> LibraryItem:
    view = context.library(owner).library.create(body.model_dump(mode="json", by_alias=True))
    return item_out(view, [])


@router.get("", summary="The caller's library items, most recently changed first")
def list_items(
    context: Context,
    owner: ReadOwner,
    q: Annotated[str | None, Query(max_length=100, description="Text in the title or product name")] = None,
    item_type: Annotated[list[VideoType] | None, Query(alias="type")] = None,
    status: Annotated[
        list[TaskStatus] | None, Query(description="Status of the latest task made from the item")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[LibraryItem]:
    commands = context.library(owner)
    views, total = commands.library.list(
        query=q, types=item_type or (), statuses=status or (), limit=limit, offset=offset
    )
    items = [item_out(view, commands.files(view.id)) for view in views]
    return Page[LibraryItem](items=items, total=total, limit=limit, offset=offset)


@router.get("/{libraryId}", responses=responses(404), summary="One library item with its history")
def get_item(item_id: LibraryId, context: Context, owner: ReadOwner) -> LibraryItem:
    commands = context.library(owner)
    return item_out(commands.library.get(item_id), commands.files(item_id))


@router.patch("/{libraryId}", responses=responses(404), summary="Change a library item's fields")
def update_item(
    item_id: LibraryId, body: LibraryItemPatch, context: Context, owner: WriteOwner
) -> LibraryItem:
    commands = context.library(owner)
    changes = body.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return item_out(commands.library.update(item_id, changes), commands.files(item_id))


@router.delete(
    "/{libraryId}",
    responses=responses(404, 409),
    summary="Delete a library item and its files (409 while a task made from it is queued or running)",
)
def delete_item(item_id: LibraryId, context: Context, owner: WriteOwner) -> LibraryItem:
    return item_out(context.library(owner).delete(item_id), [])


@router.post(
    "/{libraryId}/files",
    status_code=201,
    responses=responses(404, 413, 415),
    form_limits={"max_files": MAX_FILES_PER_REQUEST, "max_fields": 0},
    summary="Upload images (JPEG, PNG, GIF, WebP) and clips (MP4, MOV, WebM); all or none are stored",
)
def upload_files(
    item_id: LibraryId,
    files: Annotated[list[UploadFile], File(description=f"1-{MAX_FILES_PER_REQUEST} files")],
    context: Context,
    owner: WriteOwner,
) -> Items[LibraryFile]:
    commands = context.library(owner)
    stored = save_files(commands, context.settings, item_id, files)
    return Items[LibraryFile](items=item_out(commands.library.get(item_id), stored).files)


@router.get("/{libraryId}/files", responses=responses(404), summary="The item's files, oldest first")
def list_files(item_id: LibraryId, context: Context, owner: ReadOwner) -> Items[LibraryFile]:
    return Items[LibraryFile](items=get_item(item_id, context, owner).files)


@router.get(
    "/{libraryId}/files/{name}", response_class=Response, responses=_FILE_RESPONSES, summary="Download a file"
)
def download_file(item_id: LibraryId, name: FileName, context: Context, owner: DownloadOwner) -> Response:
    key = context.library(owner).file_key(item_id, name)
    return stored_response(context.storage, context.settings, key)


@router.delete(
    "/{libraryId}/files/{name}", status_code=204, responses=responses(404), summary="Delete a file"
)
def delete_file(item_id: LibraryId, name: FileName, context: Context, owner: WriteOwner) -> Response:
    context.library(owner).delete_file(item_id, name)
    return Response(status_code=204)


@router.get(
    "/{libraryId}/cover",
    response_class=Response,
    responses=_FILE_RESPONSES,
    summary="The cover: the first uploaded image, else the latest thumbnail, else a generated placeholder",
)
def cover(
    item_id: LibraryId,
    context: Context,
    owner: DownloadOwner,
    version: Annotated[
        str | None,
        Query(
            alias="v",
            max_length=64,
            description="The version ``coverUrl`` names: the answer for the current version may be kept "
            "by the browser (``immutable``); any other is revalidated.",
        ),
    ] = None,
) -> Response:
    commands = context.library(owner)
    view = commands.library.get(item_id)
    files = commands.files(item_id)
    item = item_out(view, files)
    if item.cover == "upload":
        first = next(f for f in item.files if f.mime.startswith("image/"))
        response = download_file(item_id, first.name, context, owner)
    elif view.thumbnail is not None:
        thumb = view.thumbnail
        response = asset_response(
            context.render_jobs(owner).asset_file(
                thumb.task_id, render_job_id(thumb.task_id, thumb.generation), thumb.content_id
            )
        )
    else:
        response = placeholder_svg(view)
    if version == cover_version(view, files) and response.status_code == 200:  # not a presigned redirect
        response.headers["Cache-Control"] = COVER_CACHE
    return response

""" "My contents" (``GET /api/contents``, seed 001 §13): one item per production run of a task, with its
status (draft, published, failed) and YouTube URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import DeletedContent, Page, TaskId, UserContent
from media_pipeline.store import DeletedContentView, UserContentStatus, UserContentType

router = APIRouter(prefix="/api/contents", tags=["contents"], responses=responses(400, 401, 403, 422))


@router.get("", summary="The caller's contents, most recently changed first")
def list_contents(
    context: Context,
    owner: ReadOwner,
    status: Annotated[list[UserContentStatus] | None, Query()] = None,
    content_type: Annotated[list[UserContentType] | None, Query(alias="type")] = None,
    task_id: Annotated[TaskId | None, Query(alias="taskId")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the title")] = None,
    since: Annotated[AwareDatetime | None, Query(description="Created at or after this time.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Created before this time.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[UserContent]:
    items, total = context.user_contents(owner).list(
        statuses=status or (),
        types=content_type or (),
        task_id=task_id,
        query=q,
        created_from=since,
        created_to=until,
        limit=limit,
        offset=offset,
    )
    return Page[UserContent](items=items, total=total, limit=limit, offset=offset)


@router.delete(
    "/{contentId}",
    response_model=DeletedContent,
    responses=responses(404, 409),
    summary="Delete an item with its files (the task stays; a YouTube upload is not deleted from YouTube)",
)
def delete_content(
    content_id: Annotated[str, Path(alias="contentId", max_length=64)], context: Context, owner: WriteOwner
) -> DeletedContentView:
    return context.usecases(owner).delete_content(content_id)

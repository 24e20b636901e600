""" "My contents" (``GET /api/contents``, seed 001 §13): one item per production run of a task, with its
status (draft, published, failed) and YouTube URL."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from media_pipeline.api.deps import Context, ReadOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import Page, TaskId, UserContent
from media_pipeline.store.enums import UserContentStatus, UserContentType

router = APIRouter(prefix="/api/contents", tags=["contents"], responses=responses(400, 401, 403, 422))


@router.get("", summary="The caller's contents, most recently changed first")
def list_contents(
    context: Context,
    owner: ReadOwner,
    status: Annotated[list[UserContentStatus] | None, Query()] = None,
    content_type: Annotated[list[UserContentType] | None, Query(alias="type")] = None,
    task_id: Annotated[TaskId | None, Query(alias="taskId")] = None,
    q: Annotated[str | None, Query(max_length=100, description="Text in the title")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[UserContent]:
    items, total = context.user_contents(owner).list(
        statuses=status or (), types=content_type or (), task_id=task_id, query=q, limit=limit, offset=offset
    )
    return Page[UserContent](items=items, total=total, limit=limit, offset=offset)

"""Draft queue routes (``/api/queue``). Every change carries the queue version (If-Match or body
``version``); a stale one is 409 CONFLICT and changes nothing. The queue version is also the ETag."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Path, Query, Response

from media_pipeline.api.deps import (
    Context,
    IfMatch,
    ReadOwner,
    WriteOwner,
    optional_version,
    required_version,
    set_etag,
)
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import (
    AddedJobs,
    AddJobsBody,
    BulkDeleteBody,
    BulkPatchBody,
    DeletedJobs,
    Queue,
    QueueJobs,
    QueuePatchBody,
    QueueRun,
    ReorderBody,
    RunBody,
)
from media_pipeline.store import AddResult, NotFoundError, Owner, QueueService, QueueView, TaskStatus
from media_pipeline.usecases import with_current_version

router = APIRouter(prefix="/api/queue", tags=["queue"], responses=responses(400, 401, 403, 413, 422))
QueueId = Annotated[
    str, Path(alias="queueId", max_length=64, description="Id of the caller's default queue.")
]
_CHANGE = responses(404, 409)


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


def _check_queue(context: Context, owner: Owner, queue_id: str) -> None:
    if context.default_queue_id(owner) != queue_id:
        raise NotFoundError(f"queue {queue_id!r} not found", {"queueId": queue_id})


def _service(context: Context, owner: Owner, queue_id: str) -> QueueService:
    _check_queue(context, owner, queue_id)
    return context.queues(owner)


def _change(
    response: Response, if_match: str | None, body_version: int | None, change: Callable[[int], V]
) -> V:
    """Apply ``change`` at the version sent (If-Match or body; required) and send the new one as ETag."""
    result = change(required_version(if_match, body_version))
    set_etag(response, result.version)
    return result


@router.get("", response_model=Queue, summary="The caller's default queue (created if missing)")
def get_queue(context: Context, owner: ReadOwner, response: Response) -> QueueView:
    queue = context.queues(owner).get_or_create_default_queue()
    set_etag(response, queue.version)
    return queue


@router.patch("/{queueId}", response_model=Queue, responses=_CHANGE, summary="Rename / set default options")
def update_queue(
    queue_id: QueueId,
    body: QueuePatchBody,
    context: Context,
    owner: WriteOwner,
    response: Response,
    if_match: IfMatch = None,
) -> QueueView:
    queues = _service(context, owner, queue_id)
    return _change(
        response,
        if_match,
        body.version,
        lambda version: queues.update_queue(version, name=body.name, default_options=body.default_options),
    )


@router.get("/{queueId}/jobs", responses=responses(404), summary="Jobs of the queue (drafts in queue order)")
def list_jobs(
    queue_id: QueueId,
    context: Context,
    owner: ReadOwner,
    response: Response,
    status: TaskStatus = TaskStatus.DRAFT,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> QueueJobs:
    drafts = _service(context, owner, queue_id).list_drafts()
    if status is TaskStatus.DRAFT:
        jobs = drafts.tasks[:limit]
    else:
        jobs = [
            task for task in context.tasks(owner).list_tasks([status], limit) if task.queue_id == queue_id
        ]
    set_etag(response, drafts.version)
    return QueueJobs(version=drafts.version, jobs=jobs)


@router.post("/{queueId}/jobs", responses=_CHANGE, summary="Add one draft per asset (idempotent per asset)")
def add_jobs(
    queue_id: QueueId,
    body: AddJobsBody,
    context: Context,
    owner: WriteOwner,
    response: Response,
    if_match: IfMatch = None,
) -> AddedJobs:
    queues = _service(context, owner, queue_id)

    def add(version: int) -> AddResult:
        return queues.add_assets(body.asset_ids, body.options, version)

    version = optional_version(if_match, body.version)
    result = add(version) if version is not None else with_current_version(queues, add)
    set_etag(response, result.version)
    return AddedJobs(version=result.version, jobs=result.tasks, created_ids=result.created_ids)


@router.patch("/{queueId}/jobs/bulk", responses=_CHANGE, summary="Merge options into several drafts")
def bulk_patch(
    queue_id: QueueId,
    body: BulkPatchBody,
    context: Context,
    owner: WriteOwner,
    response: Response,
    if_match: IfMatch = None,
) -> QueueJobs:
    queues = _service(context, owner, queue_id)
    result = _change(
        response,
        if_match,
        body.version,
        lambda version: queues.bulk_patch(body.job_ids, body.options_partial, version, body.save_as_default),
    )
    return QueueJobs(version=result.version, jobs=result.tasks)


@router.patch("/{queueId}/jobs/reorder", responses=_CHANGE, summary="Set the order of all drafts")
def reorder(
    queue_id: QueueId,
    body: ReorderBody,
    context: Context,
    owner: WriteOwner,
    response: Response,
    if_match: IfMatch = None,
) -> QueueJobs:
    queues = _service(context, owner, queue_id)
    result = _change(
        response, if_match, body.version, lambda version: queues.reorder(body.ordered_job_ids, version)
    )
    return QueueJobs(version=result.version, jobs=result.tasks)


@router.delete("/{queueId}/jobs/bulk", responses=_CHANGE, summary="Delete drafts")
def bulk_delete(
    queue_id: QueueId,
    body: BulkDeleteBody,
    context: Context,
    owner: WriteOwner,
    response: Response,
    if_match: IfMatch = None,
) -> DeletedJobs:
    queues = _service(context, owner, queue_id)
    result = _change(
        response, if_match, body.version, lambda version: queues.bulk_delete(body.job_ids, version)
    )
    return DeletedJobs(version=result.version, deleted_ids=result.deleted_ids)


@router.post("/{queueId}/run", responses=_CHANGE, summary="Queue all drafts (or jobIds) for rendering")
def run(
    queue_id: QueueId,
    context: Context,
    owner: WriteOwner,
    response: Response,
    body: RunBody | None = None,
    if_match: IfMatch = None,
) -> QueueRun:
    body = body or RunBody()
    _check_queue(context, owner, queue_id)
    usecases = context.usecases(owner)
    result = _change(
        response, if_match, body.version, lambda version: usecases.run_drafts(version, body.job_ids)
    )
    return QueueRun(
        version=result.version, batch_id=result.batch_id, queued=result.queued, scheduled=result.scheduled
    )

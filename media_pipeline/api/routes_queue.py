"""Draft queue routes (``/api/queue``). A change may carry the queue version (If-Match or body ``version``):
a stale one is 409 CONFLICT and changes nothing; without one, the change applies to the current queue (seed
000 §3 bodies). The queue version is also the ETag. A repeated Run (same version or ``Idempotency-Key``,
within 24 h) answers the first Run's result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Header, Path, Query, Response

from media_pipeline.api.context import ApiContext
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
from media_pipeline.store import (
    NotFoundError,
    Owner,
    QueueService,
    QueueView,
    TaskStatus,
    idempotency_key,
    version_key,
)
from media_pipeline.usecases import UseCases, with_current_version

router = APIRouter(prefix="/api/queue", tags=["queue"], responses=responses(400, 401, 403, 413, 422))
QueueId = Annotated[
    str, Path(alias="queueId", max_length=64, description="Id of the caller's default queue.")
]
_CHANGE = responses(404, 409)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Any client-chosen key: a Run repeated with it within 24 h answers the first result.",
    ),
]


class _Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=_Versioned)


def _check_queue(context: Context, owner: Owner, queue_id: str) -> None:
    if context.default_queue_id(owner) != queue_id:
        raise NotFoundError(f"queue {queue_id!r} not found", {"queueId": queue_id})


@dataclass(frozen=True)
class _VersionedChange:
    """One versioned change of the caller's queue: the version comes from If-Match or the body, the new
    version goes out as the ETag."""

    queue_id: str
    context: ApiContext
    owner: Owner
    response: Response
    if_match: str | None

    def queues(self) -> QueueService:
        """The caller's queue service (NOT_FOUND unless ``queue_id`` is the caller's queue)."""
        _check_queue(self.context, self.owner, self.queue_id)
        return self.context.queues(self.owner)

    def usecases(self) -> UseCases:
        """The caller's use cases (NOT_FOUND unless ``queue_id`` is the caller's queue)."""
        _check_queue(self.context, self.owner, self.queue_id)
        return self.context.usecases(self.owner)

    def apply(self, body_version: int | None, change: Callable[[int], V], *, required: bool = True) -> V:
        """Apply ``change`` at the version sent; without one (allowed unless ``required``), at the current
        version, re-read if another change slipped in."""
        if required:
            result = change(required_version(self.if_match, body_version))
        else:
            version = optional_version(self.if_match, body_version)
            result = change(version) if version is not None else with_current_version(self.queues(), change)
        set_etag(self.response, result.version)
        return result


def _versioned_change(
    queue_id: QueueId, context: Context, owner: WriteOwner, response: Response, if_match: IfMatch = None
) -> _VersionedChange:
    return _VersionedChange(queue_id, context, owner, response, if_match)


VersionedChange = Annotated[_VersionedChange, Depends(_versioned_change)]


@router.get("", response_model=Queue, summary="The caller's default queue (created if missing)")
def get_queue(context: Context, owner: ReadOwner, response: Response) -> QueueView:
    queue = context.queues(owner).get_or_create_default_queue()
    set_etag(response, queue.version)
    return queue


@router.patch("/{queueId}", response_model=Queue, responses=_CHANGE, summary="Rename / set default options")
def update_queue(body: QueuePatchBody, change: VersionedChange) -> QueueView:
    queues = change.queues()
    return change.apply(
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
    _check_queue(context, owner, queue_id)
    drafts = context.queues(owner).list_drafts()
    if status is TaskStatus.DRAFT:
        tasks = drafts.tasks[:limit]
    else:
        tasks = [
            task for task in context.tasks(owner).list_tasks([status], limit) if task.queue_id == queue_id
        ]
    set_etag(response, drafts.version)
    return QueueJobs(version=drafts.version, jobs=tasks)


@router.post(
    "/{queueId}/jobs",
    responses=_CHANGE,
    summary="Add one draft per asset (idempotent per asset); a library id gives the draft its item's fields",
)
def add_jobs(body: AddJobsBody, change: VersionedChange) -> AddedJobs:
    change.queues()  # NOT_FOUND unless it is the caller's queue
    library = change.context.library(change.owner)
    result = change.apply(
        body.version,
        lambda version: library.add_to_queue(body.asset_ids, body.options, version),
        required=False,
    )
    return AddedJobs(version=result.version, jobs=result.tasks, created_ids=result.created_ids)


@router.patch("/{queueId}/jobs/bulk", responses=_CHANGE, summary="Merge options into several drafts")
def bulk_patch(body: BulkPatchBody, change: VersionedChange) -> QueueJobs:
    queues = change.queues()
    result = change.apply(
        body.version,
        lambda version: queues.bulk_patch(body.job_ids, body.options_partial, version, body.save_as_default),
        required=False,
    )
    return QueueJobs(version=result.version, jobs=result.tasks)


@router.patch("/{queueId}/jobs/reorder", responses=_CHANGE, summary="Set the order of all drafts")
def reorder(body: ReorderBody, change: VersionedChange) -> QueueJobs:
    queues = change.queues()
    result = change.apply(
        body.version, lambda version: queues.reorder(body.ordered_job_ids, version), required=False
    )
    return QueueJobs(version=result.version, jobs=result.tasks)


@router.delete("/{queueId}/jobs/bulk", responses=_CHANGE, summary="Delete drafts")
def bulk_delete(body: BulkDeleteBody, change: VersionedChange) -> DeletedJobs:
    queues = change.queues()
    result = change.apply(
        body.version, lambda version: queues.bulk_delete(body.job_ids, version), required=False
    )
    return DeletedJobs(version=result.version, deleted_ids=result.deleted_ids)


@router.post("/{queueId}/run", responses=_CHANGE, summary="Queue all drafts (or jobIds) for rendering")
def run(change: VersionedChange, idempotency: IdempotencyKey = None, body: RunBody | None = None) -> QueueRun:
    body = body or RunBody()
    usecases = change.usecases()
    sent = optional_version(change.if_match, body.version)
    key = idempotency_key(idempotency) if idempotency else None if sent is None else version_key(sent)
    result = change.apply(
        body.version,
        lambda version: usecases.run_drafts(version, body.job_ids, request_key=key),
        required=False,
    )
    return QueueRun(
        version=result.version, batch_id=result.batch_id, queued=result.queued, scheduled=result.scheduled
    )

"""Starting work from the API: check that tasks can run with this server's configuration before queueing
them (image provider configured for their mediaMode, uploads present for mediaMode ``upload``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from media_pipeline.domain import MediaMode, TaskPaths
from media_pipeline.errors import PermanentError
from media_pipeline.providers.image_sources import validate_image_source
from media_pipeline.providers.uploads import list_uploads
from media_pipeline.settings import Settings
from media_pipeline.store import (
    ConflictError,
    QueueService,
    RunResult,
    TaskService,
    TaskView,
    ValidationFailed,
)

VERSION_ATTEMPTS = 5
R = TypeVar("R")


def _problems(task: TaskView, settings: Settings) -> list[dict[str, Any]]:
    mode = task.task_settings().media_mode
    field = {"field": "settings.mediaMode", "taskId": task.id}
    try:
        validate_image_source(mode, settings)
    except PermanentError as exc:
        return [{**field, "message": str(exc), "type": "provider_not_configured"}]
    if mode is MediaMode.UPLOAD and not list_uploads(TaskPaths(settings.resolved_storage_root, task.id)):
        return [{**field, "message": "upload at least one image first", "type": "uploads_missing"}]
    return []


def check_ready(tasks: Sequence[TaskView], settings: Settings) -> None:
    """ValidationFailed listing every task that cannot run as configured (nothing is queued then)."""
    errors = [problem for task in tasks for problem in _problems(task, settings)]
    if errors:
        raise ValidationFailed("some tasks cannot run with this server's configuration", {"errors": errors})


def run_drafts(
    queues: QueueService, settings: Settings, version: int, ids: Sequence[str] | None
) -> RunResult:
    """Queue the drafts (all, or ``ids``) at ``version`` after checking they can run."""
    drafts = queues.list_drafts().tasks
    wanted = None if ids is None else set(ids)
    check_ready([task for task in drafts if wanted is None or task.id in wanted], settings)
    return queues.run(version, ids)


def retry_task(tasks: TaskService, settings: Settings, task_id: str) -> TaskView:
    """Retry a failed task from its failed stage after checking it can run."""
    check_ready([tasks.get(task_id)], settings)
    return tasks.retry(task_id)


def with_current_version(queues: QueueService, change: Callable[[int], R]) -> R:
    """Apply an idempotent ``change`` at the queue's current version, re-reading it if another change
    slipped in (for callers that send no version)."""
    for _ in range(VERSION_ATTEMPTS - 1):
        try:
            return change(queues.list_drafts().version)
        except ConflictError as exc:
            if "expectedVersion" not in exc.details:
                raise
    return change(queues.list_drafts().version)

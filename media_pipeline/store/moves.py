"""The one gate for status changes (docs/ARCHITECTURE.md §4): the legal task and stage moves and the only
code in the store that writes a task or stage status. One row moves through ``move_task``/``move_stage``;
a set-based change (``move_tasks``/``move_stages``) checks the whole batch against the legal moves first,
then runs one statement. ``test_status_gate.py`` scans the store for status writes anywhere else.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, inspect, update
from sqlalchemy.orm import Session

from media_pipeline.domain.statuses import StageStatus, TaskStatus
from media_pipeline.store.models import Task, TaskStageState
from media_pipeline.store.queries import in_chunks

TASK_MOVES: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.DRAFT: frozenset({TaskStatus.QUEUED, TaskStatus.SCHEDULED, TaskStatus.CANCELED}),
    TaskStatus.SCHEDULED: frozenset({TaskStatus.QUEUED, TaskStatus.CANCELED}),
    TaskStatus.QUEUED: frozenset(
        {TaskStatus.RUNNING, TaskStatus.REVIEW, TaskStatus.FAILED, TaskStatus.CANCELED}
    ),
    TaskStatus.RUNNING: frozenset(
        {TaskStatus.SUCCEEDED, TaskStatus.REVIEW, TaskStatus.FAILED, TaskStatus.CANCELED}
    ),
    TaskStatus.REVIEW: frozenset({TaskStatus.QUEUED, TaskStatus.CANCELED}),
    TaskStatus.SUCCEEDED: frozenset({TaskStatus.QUEUED}),
    TaskStatus.FAILED: frozenset({TaskStatus.QUEUED}),
    TaskStatus.CANCELED: frozenset({TaskStatus.QUEUED}),
}
"""Legal task status changes (a finished task is queued again by retry, rerun or its schedule; a task
waits in review after a stage that its ``review`` setting names, and an approval queues it again)."""

STAGE_MOVES: dict[StageStatus, frozenset[StageStatus]] = {
    StageStatus.WAITING: frozenset(
        {StageStatus.PROCESSING, StageStatus.COMPLETED, StageStatus.FAILED, StageStatus.CANCELED}
    ),
    StageStatus.PROCESSING: frozenset(
        {StageStatus.COMPLETED, StageStatus.WAITING, StageStatus.FAILED, StageStatus.CANCELED}
    ),
    StageStatus.COMPLETED: frozenset({StageStatus.WAITING}),
    StageStatus.FAILED: frozenset({StageStatus.WAITING}),
    StageStatus.CANCELED: frozenset({StageStatus.WAITING}),
}
"""Legal stage status changes: waiting -> completed is a skip, waiting -> failed a run that failed before it
started, processing -> waiting an automatic retry, failed/canceled -> waiting a manual retry, completed ->
waiting only the publish stage reopened after a reconnect (``state_machine.reopen_publishing``)."""


class IllegalTransition(ValueError):
    """A status change the state machine does not allow (a bug in the caller, never applied)."""


def _check_task(task_id: str, current: TaskStatus, status: TaskStatus) -> None:
    if status is not current and status not in TASK_MOVES[current]:
        raise IllegalTransition(f"task {task_id}: {current.value} -> {status.value}")


def move_task(task: Task, status: TaskStatus) -> None:
    """Set the task's status if the move is legal (staying is always legal); IllegalTransition otherwise."""
    _check_task(task.id, task.status, status)
    task.status = status


def move_stage(state: TaskStageState, status: StageStatus) -> None:
    """Set the stage's status if the move is legal; IllegalTransition otherwise."""
    if status not in STAGE_MOVES[state.status]:
        raise IllegalTransition(
            f"{state.stage} of task {state.task_id}: {state.status.value} -> {status.value}"
        )
    state.status = status


def move_tasks(
    session: Session, tasks: Sequence[Task], status: TaskStatus, values: Mapping[str, Any]
) -> None:
    """Move every loaded (and locked) task to ``status`` with one ``UPDATE ... WHERE id IN (...)`` (per
    chunk of ids) that also writes ``values``; nothing is written unless every task's move is legal. The
    objects get the new status as committed (the caller records the other values)."""
    for task in tasks:
        _check_task(task.id, task.status, status)
    for chunk in in_chunks([task.id for task in tasks]):
        session.execute(
            update(Task)
            .where(Task.id.in_(chunk))
            .values(status=status, **values)
            .execution_options(synchronize_session=False)
        )
    for task in tasks:
        inspect(task).dict["status"] = status


def move_stages(
    session: Session,
    where: Sequence[ColumnElement[bool]],
    sources: Collection[StageStatus],
    status: StageStatus,
    values: Mapping[str, Any],
) -> None:
    """Move the stage states matching ``where`` whose status is one of ``sources`` to ``status`` with one
    UPDATE (also writing ``values``); IllegalTransition, before anything is written, if a move from one of
    ``sources`` to ``status`` is not legal."""
    for source in sources:
        if status not in STAGE_MOVES[source]:
            raise IllegalTransition(f"stages: {source.value} -> {status.value}")
    session.execute(
        update(TaskStageState)
        .where(*where, TaskStageState.status.in_(list(sources)))
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )

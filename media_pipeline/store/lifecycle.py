"""Task transitions shared by the services and the pipeline state writer.

All functions work inside the caller's transaction. Lock order, to avoid deadlocks on PostgreSQL:
queue row -> task row -> stage states -> schedules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from media_pipeline.store.enums import (
    OPEN_STAGE_STATUSES,
    STAGES,
    LogAction,
    LogLevel,
    StageStatus,
    TaskStatus,
)
from media_pipeline.store.models import Queue, Task, TaskLog, TaskSchedule, TaskStageState
from media_pipeline.store.repeat import next_occurrence

CANCELABLE_STATUSES = (TaskStatus.DRAFT, TaskStatus.QUEUED, TaskStatus.SCHEDULED, TaskStatus.RUNNING)


def add_log(
    session: Session,
    task: Task,
    action: LogAction,
    message: str,
    *,
    now: datetime,
    level: LogLevel = LogLevel.INFO,
    stage: str | None = None,
    run_id: str | None = None,
    pid: int | None = None,
    process_name: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Append a log entry for the task's current generation."""
    session.add(
        TaskLog(
            task_id=task.id,
            generation=task.generation or None,
            stage=stage,
            level=level,
            action_type=action,
            message=message,
            run_id=run_id,
            pid=pid,
            process_name=process_name,
            meta=metadata or {},
            created_at=now,
        )
    )


def start_generation(session: Session, task: Task, now: datetime, *, batch_id: str | None = None) -> None:
    """Queue a new generation: generation+1, one 'waiting' state per stage, leftovers of older generations
    canceled. The unique (task_id, generation, stage) key makes doubling impossible."""
    generation = task.generation + 1
    session.execute(
        update(TaskStageState)
        .where(
            TaskStageState.task_id == task.id,
            TaskStageState.generation < generation,
            TaskStageState.status.in_(OPEN_STAGE_STATUSES),
        )
        .values(status=StageStatus.CANCELED, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    task.generation = generation
    task.status = TaskStatus.QUEUED
    task.batch_id = batch_id or task.batch_id
    task.queued_at = now
    task.started_at = task.finished_at = task.draft_expires_at = None
    task.script_approved_at = task.locked_at = None
    task.locked_by = task.step = task.last_error = task.youtube_url = None
    task.progress = 0.0
    task.message = "queued"
    task.updated_at = now
    session.add_all(
        TaskStageState(task_id=task.id, generation=generation, stage=stage, created_at=now, updated_at=now)
        for stage in STAGES
    )
    add_log(session, task, LogAction.QUEUE, f"generation {generation} queued", now=now)


def cancel_waiting_stages(session: Session, task: Task, now: datetime) -> None:
    """Close the current generation's waiting stages (after a failure; a retry reopens them)."""
    session.execute(
        update(TaskStageState)
        .where(
            TaskStageState.task_id == task.id,
            TaskStageState.generation == task.generation,
            TaskStageState.status == StageStatus.WAITING,
        )
        .values(status=StageStatus.CANCELED, next_retry_at=None, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def deactivate_schedules(session: Session, task_id: str, now: datetime) -> int:
    """Turn off the task's active schedules; returns how many."""
    result = session.execute(
        update(TaskSchedule)
        .where(TaskSchedule.task_id == task_id, TaskSchedule.is_active.is_(True))
        .values(is_active=False, next_run_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def cancel_task(session: Session, task: Task, now: datetime, message: str) -> tuple[bool, list[str]]:
    """Cancel the task's open work and schedules (idempotent).

    Returns ``(changed, run_ids)``: whether anything changed and the runs of processing stages, which the
    caller terminates after commit.
    """
    changed = False
    if task.status in CANCELABLE_STATUSES:
        task.status = TaskStatus.CANCELED
        task.finished_at = now
        task.message = message
        task.locked_by = task.locked_at = None
        changed = True
    states = session.scalars(
        select(TaskStageState).where(
            TaskStageState.task_id == task.id,
            TaskStageState.generation == task.generation,
            TaskStageState.status.in_(OPEN_STAGE_STATUSES),
        )
    ).all()
    run_ids = [state.run_id for state in states if state.status is StageStatus.PROCESSING and state.run_id]
    for state in states:
        state.status = StageStatus.CANCELED
        state.next_retry_at = None
        state.finished_at = state.updated_at = now
        changed = True
    changed = deactivate_schedules(session, task.id, now) > 0 or changed
    if changed:
        task.updated_at = now
        add_log(session, task, LogAction.STOP, message, now=now, metadata={"runIds": run_ids})
    return changed, run_ids


def end_generation_schedules(session: Session, task: Task, now: datetime) -> None:
    """After a generation ends, move each schedule that started it to its next occurrence (or turn it off)."""
    pending = session.scalars(
        select(TaskSchedule).where(
            TaskSchedule.task_id == task.id,
            TaskSchedule.is_active.is_(True),
            TaskSchedule.next_run_at.is_(None),
        )
    ).all()
    for schedule in pending:
        after = max(now, schedule.last_run_at or now)
        upcoming = next_occurrence(
            schedule.scheduled_time, schedule.repeat, schedule.time_zone, after, schedule.repeat_config
        )
        schedule.next_run_at = upcoming
        schedule.is_active = upcoming is not None
        schedule.updated_at = now


def bump_queue_version(session: Session, queue_id: str, now: datetime) -> None:
    """Bump a queue's version unconditionally (the draft set changed outside a versioned call)."""
    session.execute(
        update(Queue)
        .where(Queue.id == queue_id)
        .values(version=Queue.version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def compact_draft_positions(session: Session, queue_id: str) -> None:
    """Renumber the queue's drafts 0..n-1 keeping their order."""
    drafts = session.scalars(
        select(Task)
        .where(Task.queue_id == queue_id, Task.status == TaskStatus.DRAFT)
        .order_by(Task.queue_position, Task.created_at, Task.id)
    ).all()
    for position, task in enumerate(drafts):
        if task.queue_position != position:
            task.queue_position = position


def next_draft_position(session: Session, queue_id: str) -> int:
    """Position after the queue's last draft."""
    last = session.scalar(
        select(func.max(Task.queue_position)).where(
            Task.queue_id == queue_id, Task.status == TaskStatus.DRAFT
        )
    )
    return 0 if last is None else last + 1

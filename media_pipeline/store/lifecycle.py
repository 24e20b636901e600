"""Task transitions shared by the services and the pipeline state writer.

All functions work inside the caller's transaction. Lock order, to avoid deadlocks on PostgreSQL:
queue row -> task row -> stage states -> schedules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnDefault,
    Integer,
    String,
    and_,
    bindparam,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import STAGES
from media_pipeline.domain.statuses import OPEN_STAGE_STATUSES, StageStatus, TaskStatus
from media_pipeline.store.credits import release_generation
from media_pipeline.store.enums import LogAction, LogLevel
from media_pipeline.store.models import Queue, Task, TaskLog, TaskSchedule, TaskStageState, table_of
from media_pipeline.store.moves import move_stage, move_stages, move_task, move_tasks
from media_pipeline.store.queries import affected_rows, in_chunks
from media_pipeline.store.repeat import next_occurrence
from media_pipeline.store.user_contents import on_generation_ended

NEW_GENERATION: dict[str, Any] = {
    "started_at": None,
    "finished_at": None,
    "draft_expires_at": None,
    "script_approved_at": None,
    "script_rejected_at": None,
    "locked_at": None,
    "locked_by": None,
    "step": None,
    "last_error": None,
    "youtube_url": None,
    "progress": 0.0,
    "message": "queued",
}
"""Task columns of a newly queued generation (besides its status, generation + 1, ``queued_at`` and
``updated_at``)."""

CANCELABLE_STATUSES = (
    TaskStatus.DRAFT,
    TaskStatus.QUEUED,
    TaskStatus.SCHEDULED,
    TaskStatus.RUNNING,
    TaskStatus.REVIEW,
)


_LOG_COLUMNS = {attribute.key: attribute.columns[0].key for attribute in TaskLog.__mapper__.column_attrs}
"""``TaskLog`` attribute name -> column name (``meta`` is stored as ``metadata``)."""


def log_row(
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
) -> dict[str, Any]:
    """The column values of a log entry for the task's current generation (see ``add_log``)."""
    return {
        "task_id": task.id,
        "generation": task.generation or None,
        "stage": stage,
        "level": level,
        "action_type": action,
        "message": message,
        "run_id": run_id,
        "pid": pid,
        "process_name": process_name,
        "meta": metadata or {},
        "created_at": now,
    }


def add_log(session: Session, task: Task, action: LogAction, message: str, **fields: Any) -> None:
    """Append a log entry for the task's current generation (``fields`` as in ``log_row``)."""
    session.add(TaskLog(**log_row(task, action, message, **fields)))


def insert_logs(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``log_row`` entries in order with one Core executemany (pending changes are flushed first)."""
    if rows:
        session.flush()
        columns = _LOG_COLUMNS
        session.execute(
            insert(table_of(TaskLog)), [{columns[key]: value for key, value in row.items()} for row in rows]
        )


def generation_log(task: Task, now: datetime) -> dict[str, Any]:
    """The log entry of a newly queued generation."""
    return log_row(task, LogAction.QUEUE, f"generation {task.generation} queued", now=now)


def start_generation(session: Session, task: Task, now: datetime, *, batch_id: str | None = None) -> None:
    """Queue a new generation of one task (see ``start_generations``)."""
    start_generations(session, [task], now, batch_id=batch_id)


def start_generations(
    session: Session,
    tasks: Sequence[Task],
    now: datetime,
    *,
    batch_id: str | None = None,
    write_logs: bool = True,
) -> None:
    """Queue a new generation of each task: generation+1, one 'waiting' state per stage, leftovers of
    older generations canceled, a 'queue' log entry. The unique (task_id, generation, stage) key makes
    doubling impossible.

    Set-based, a constant number of statements for up to 5,000 tasks: one UPDATE cancels the open stages
    of older generations (only for tasks that had a generation), one UPDATE ... WHERE id IN (...) writes
    the task rows (the loaded objects get the written values as committed ones), one INSERT ... SELECT
    the stage states and one bulk INSERT the log entries. With
    ``write_logs=False`` the caller inserts the log entries itself (``generation_log``), e.g. in order
    with its own.
    """
    if not tasks:
        return
    restarted: dict[int, list[str]] = defaultdict(list)
    for task in tasks:
        if task.generation > 0:
            restarted[task.generation + 1].append(task.id)
    if restarted:
        older = or_(
            *(
                and_(TaskStageState.task_id.in_(task_ids), TaskStageState.generation < generation)
                for generation, task_ids in restarted.items()
            )
        )
        move_stages(
            session,
            [older],
            OPEN_STAGE_STATUSES,
            StageStatus.CANCELED,
            {"finished_at": now, "updated_at": now},
        )
    task_ids = [task.id for task in tasks]
    values = {**NEW_GENERATION, "queued_at": now, "updated_at": now}
    if batch_id is not None:
        values["batch_id"] = batch_id
    move_tasks(session, tasks, TaskStatus.QUEUED, {**values, "generation": Task.generation + 1})
    for task in tasks:  # the loaded objects as now stored (the rows are locked by the caller)
        # committed values: the UPDATE's autoflush left no pending change on them to keep
        inspect(task).dict.update(values, generation=task.generation + 1)
    stage = union_all(  # (stage, ordinal) rows; SQLite has no VALUES with column aliases
        *(
            select(literal(name, String()).label("stage"), literal(index, Integer()).label("ordinal"))
            for index, name in enumerate(STAGES)
        )
    ).subquery("stages")
    when = literal(now, TaskStageState.created_at.type)
    for chunk in in_chunks(task_ids):
        session.execute(
            insert(table_of(TaskStageState)).from_select(  # other columns: their (scalar) defaults
                ["task_id", "generation", "stage", "created_at", "updated_at"],
                select(Task.id, Task.generation, stage.c.stage, when, when)
                .select_from(Task)
                .join(stage, true())
                .where(Task.id.in_(chunk))
                .order_by(Task.queue_position, Task.id, stage.c.ordinal),
            )
        )
    if write_logs:
        insert_logs(session, [generation_log(task, now) for task in tasks])


_TASK_DEFAULTS = {
    column.key: column.default.arg
    if isinstance(column.default, ColumnDefault) and column.default.is_scalar
    else None
    for column in table_of(Task).c
}


def task_row(**values: Any) -> dict[str, Any]:
    """A complete ``tasks`` row for a Core INSERT (and a ``TaskView``): ``values`` over every column's
    scalar default, None where a column has none (``created_at``/``updated_at`` must be given)."""
    return {**_TASK_DEFAULTS, **values}


def write_tasks(session: Session, values: Mapping[Task, Mapping[str, Any]]) -> None:
    """Write each loaded task's ``values`` (the same columns for every task) with one executemany
    ``UPDATE tasks ... WHERE id = ?`` and record them on the objects as committed: no per-object change
    tracking, and an ``updated_at`` among them is written as given."""
    if not values:
        return
    session.flush()  # pending changes first, so none is left on the objects for the values to replace
    table = table_of(Task)
    columns = list(next(iter(values.values())))
    stmt = (
        update(table)
        .where(table.c.id == bindparam("task_id"))
        .values({column: bindparam(column) for column in columns})
    )
    session.execute(stmt, [{"task_id": task.id, **row} for task, row in values.items()])
    for task, row in values.items():
        inspect(task).dict.update(row)


def cancel_waiting_stages(session: Session, task: Task, now: datetime) -> None:
    """Close the current generation's waiting stages (after a failure; a retry reopens them)."""
    move_stages(
        session,
        [TaskStageState.task_id == task.id, TaskStageState.generation == task.generation],
        [StageStatus.WAITING],
        StageStatus.CANCELED,
        {"next_retry_at": None, "finished_at": now, "updated_at": now},
    )


def deactivate_schedules(session: Session, task_id: str, now: datetime) -> int:
    """Turn off the task's active schedules; returns how many."""
    result = session.execute(
        update(TaskSchedule)
        .where(TaskSchedule.task_id == task_id, TaskSchedule.is_active.is_(True))
        .values(is_active=False, next_run_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def cancel_task(session: Session, task: Task, now: datetime, message: str) -> tuple[bool, list[str]]:
    """Cancel the task's open work and schedules (idempotent).

    Returns ``(changed, run_ids)``: whether anything changed and the runs of processing stages, which the
    caller terminates after commit.
    """
    changed = False
    if task.status in CANCELABLE_STATUSES:
        move_task(task, TaskStatus.CANCELED)
        task.finished_at = now
        task.message = message
        task.locked_by = task.locked_at = None
        on_generation_ended(session, task, message, now)
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
        move_stage(state, StageStatus.CANCELED)
        state.next_retry_at = None
        state.finished_at = state.updated_at = now
        changed = True
    changed = deactivate_schedules(session, task.id, now) > 0 or changed
    changed = release_generation(session, task.id, task.generation, now) > 0 or changed
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

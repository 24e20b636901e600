"""Housekeeping over all owners, run periodically by Dagster: expired drafts are deleted and due schedule
occurrences start a new generation (docs/ARCHITECTURE.md §3). An occurrence over its workspace's plan limit
of productions per day waits for the next UTC day (logged once as a warning), like a refused Run.

A generation started by a repeat is launched by the Dagster schedule that queued it (docs/ARCHITECTURE.md
§4, invariant 1): its first stage is *held* (``next_retry_at`` = claim time + ``REPEAT_HOLD``) so the queue
sensor does not launch it too; when the hold ends without a run (the schedule's tick was lost) the queue
sensor launches it like any queued task."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import FIRST_STAGE
from media_pipeline.domain.statuses import StageStatus, TaskStatus
from media_pipeline.settings import Settings
from media_pipeline.store.base import ConfiguredStore
from media_pipeline.store.clock import as_utc
from media_pipeline.store.enums import LogAction, LogLevel
from media_pipeline.store.errors import LimitExceeded
from media_pipeline.store.lifecycle import (
    add_log,
    bump_queue_version,
    compact_draft_positions,
    start_generation,
)
from media_pipeline.store.models import Queue, Task, TaskSchedule, TaskStageState
from media_pipeline.store.owner import Owner
from media_pipeline.store.pipeline_state import LaunchItem
from media_pipeline.store.plans import check_runs_per_day
from media_pipeline.store.queries import affected_rows, owned_by
from media_pipeline.store.schedule_service import STARTABLE_STATUSES


def delete_expired_drafts(session: Session, now: datetime, owner: Owner | None = None) -> int:
    """Delete drafts whose ``draft_expires_at`` passed (all owners, or one); bumps each queue touched."""
    stmt = select(Task.queue_id, Task.id).where(Task.status == TaskStatus.DRAFT, Task.draft_expires_at <= now)
    if owner is not None:
        stmt = stmt.where(*owned_by(owner))
    by_queue: dict[str, list[str]] = defaultdict(list)
    for queue_id, task_id in session.execute(stmt):
        by_queue[queue_id].append(task_id)
    deleted = 0
    for queue_id in sorted(by_queue):
        session.execute(select(Queue.id).where(Queue.id == queue_id).with_for_update())
        result = session.execute(
            delete(Task)
            .where(
                Task.id.in_(by_queue[queue_id]),
                Task.status == TaskStatus.DRAFT,
                Task.draft_expires_at <= now,
            )
            .execution_options(synchronize_session=False)
        )
        if affected_rows(result):
            deleted += affected_rows(result)
            bump_queue_version(session, queue_id, now)
            compact_draft_positions(session, queue_id)
    return deleted


REPEAT_HOLD = timedelta(seconds=120)
"""How long the first stage of a repeat's generation waits for the schedule's run before the queue sensor
may launch it (the schedule requests it only while at least ``REPEAT_HOLD / 2`` of it is left)."""


@dataclass(frozen=True)
class RepeatTick:
    """What one evaluation of the repeats schedule did: occurrences found due, generations queued, and the
    first-stage runs the schedule should request (queued now or by an earlier, interrupted tick)."""

    due: int
    queued: int
    launches: list[LaunchItem] = field(default_factory=list)


def fire_due_schedules(
    session: Session,
    now: datetime,
    settings: Settings,
    hold_until: datetime,
    limit: int = 100,
) -> tuple[int, int]:
    """Queue one new generation per due occurrence; returns (due occurrences, generations queued).

    Idempotent and safe to run concurrently: an occurrence is claimed with a conditional UPDATE on its
    ``next_run_at`` (set to NULL until the generation ends), after locking the task row. An occurrence
    that would exceed the workspace's productions per day is moved to the next UTC midnight instead.
    The first stage of each queued generation is held for the schedule until ``hold_until``.
    """
    due = session.execute(
        select(TaskSchedule.id, TaskSchedule.task_id, TaskSchedule.next_run_at)
        .join(Task, Task.id == TaskSchedule.task_id)
        .where(
            TaskSchedule.is_active.is_(True),
            TaskSchedule.next_run_at <= now,
            Task.status.in_(STARTABLE_STATUSES),
        )
        .order_by(TaskSchedule.next_run_at, TaskSchedule.id)
        .limit(limit)
    ).all()
    fired = 0
    for schedule_id, task_id, occurrence in due:
        assert occurrence is not None  # next_run_at <= now excludes NULL
        task = session.scalars(
            select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True)
        ).one()
        if task.status not in STARTABLE_STATUSES:
            continue
        try:
            check_runs_per_day(session, task.workspace_id, 1, now, settings)
        except LimitExceeded as exc:
            _defer_to_next_day(session, task, schedule_id, occurrence, now, exc)
            continue
        claimed = session.execute(
            update(TaskSchedule)
            .where(
                TaskSchedule.id == schedule_id,
                TaskSchedule.is_active.is_(True),
                TaskSchedule.next_run_at == occurrence,
            )
            .values(
                next_run_at=None, last_run_at=occurrence, last_generation=task.generation + 1, updated_at=now
            )
            .execution_options(synchronize_session=False)
        )
        if affected_rows(claimed) != 1:
            continue
        start_generation(session, task, now)
        _hold_first_stage(session, task, hold_until)
        add_log(session, task, LogAction.SCHEDULE, f"occurrence {occurrence.isoformat()} started", now=now)
        fired += 1
    return len(due), fired


def _hold_first_stage(session: Session, task: Task, until: datetime) -> None:
    """Keep the queue sensor off the new generation's first stage until ``until`` (see module doc)."""
    session.execute(
        update(TaskStageState)
        .where(
            TaskStageState.task_id == task.id,
            TaskStageState.generation == task.generation,
            TaskStageState.stage == FIRST_STAGE,
        )
        .values(next_retry_at=until)
        .execution_options(synchronize_session=False)
    )


def held_repeat_launches(session: Session, held_after: datetime) -> list[LaunchItem]:
    """First attempts of the first stage of repeat generations, held for the schedule beyond
    ``held_after`` and not started."""
    rows = session.execute(
        select(Task.id, Task.generation, TaskStageState.stage, TaskStageState.attempt)
        .join(TaskSchedule, TaskSchedule.task_id == Task.id)
        .join(
            TaskStageState,
            (TaskStageState.task_id == Task.id) & (TaskStageState.generation == Task.generation),
        )
        .where(
            TaskSchedule.last_generation == Task.generation,
            TaskStageState.stage == FIRST_STAGE,
            TaskStageState.attempt == 0,  # a retry's delay (attempt 1+) is the queue sensor's to honour
            TaskStageState.status == StageStatus.WAITING,
            TaskStageState.next_retry_at > held_after,
        )
        .order_by(Task.id)
    ).all()
    return [LaunchItem(*row) for row in rows]


def _defer_to_next_day(
    session: Session, task: Task, schedule_id: str, occurrence: datetime, now: datetime, exc: LimitExceeded
) -> None:
    """Move a due occurrence refused by the plan to the next UTC midnight (when the day's count resets)."""
    midnight = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=now.tzinfo)
    moved = session.execute(
        update(TaskSchedule)
        .where(TaskSchedule.id == schedule_id, TaskSchedule.next_run_at == occurrence)
        .values(next_run_at=midnight, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(moved) == 1:
        add_log(
            session,
            task,
            LogAction.SCHEDULE,
            f"occurrence {occurrence.isoformat()} waits until {midnight.isoformat()}: {exc}",
            now=now,
            level=LogLevel.WARNING,
            metadata={"code": exc.code, **exc.details},
        )


class Housekeeping(ConfiguredStore):
    """The periodic jobs: ``Housekeeping(engine_or_url, *, settings, clock=None)`` (due schedules count
    against the plan limits of ``settings``)."""

    def queue_due_repeats(self, now: datetime) -> RepeatTick:
        """Queue a new generation for every schedule occurrence due at ``now`` (the schedule tick's time),
        holding their first stages for ``REPEAT_HOLD`` from this service's clock; the tick's launches are
        every held first stage with at least half its hold left (idempotent: a repeated tick for the
        same time queues nothing new and names the same runs)."""
        wall = self.now()
        with self._write() as session:
            due, queued = fire_due_schedules(session, as_utc(now), self._settings, wall + REPEAT_HOLD)
            return RepeatTick(due, queued, held_repeat_launches(session, wall + REPEAT_HOLD / 2))

    def cleanup_expired_drafts(self, now: datetime) -> int:
        """Delete expired drafts of all owners; returns how many."""
        with self._write() as session:
            return delete_expired_drafts(session, as_utc(now))

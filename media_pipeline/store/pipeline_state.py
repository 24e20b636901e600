"""The contract between the app database and the Dagster sensors/assets (docs/ARCHITECTURE.md §3,
invariants 1, 5, 6; the stage state machine is §4).

Sensors call ``launchable`` (read only) and turn each item into a RunRequest with ``item.run_key``; runs
report back through the ``stage_*`` methods, which are idempotent and ignore stale generations, so a
sensor tick, daemon or worker dying at any point neither loses nor doubles work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from media_pipeline.domain.models import ProductInfo, TaskSettings, TaskSpec
from media_pipeline.domain.stages import STAGES, Stage
from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import as_utc
from media_pipeline.store.credits import release_generation
from media_pipeline.store.enums import (
    ACTIVE_STATUSES,
    OPEN_STAGE_STATUSES,
    ContentKind,
    LogAction,
    LogLevel,
    StageStatus,
    TaskStatus,
)
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.lifecycle import (
    add_log,
    cancel_task,
    cancel_waiting_stages,
    end_generation_schedules,
)
from media_pipeline.store.models import Content, Task, TaskStageState
from media_pipeline.store.queries import QUEUE_ORDER, current_stage_select

__all__ = ["BACKOFF_S", "STAGES", "ContentRecord", "LaunchItem", "PipelineState"]

BACKOFF_S = (5.0, 10.0, 30.0)
"""Delay before automatic retry 1, 2, 3 of a transient failure."""

PROGRESS_LOG_STEP = 5.0
"""A 'progress' log entry is written each time overall progress crosses a multiple of this (percent)."""


@dataclass(frozen=True, slots=True)
class LaunchItem:
    """A stage run the sensors should request."""

    task_id: str
    generation: int
    stage: str
    attempt: int

    @property
    def run_key(self) -> str:
        """Unique per task, generation, stage and attempt (Dagster dedupes run keys per sensor)."""
        return f"{self.task_id}:{self.generation}:{self.stage}:{self.attempt}"


class ContentRecord(BaseModel):
    """A file or published item produced by a stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ContentKind
    path: str | None = None
    url: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)


def overall_progress(stage: str, percent: float) -> float:
    """Task progress (0-100) when ``stage`` is ``percent`` done: each stage is an equal share."""
    share = min(max(percent, 0.0), 100.0) / 100.0
    return round((STAGES.index(stage) + share) * 100.0 / len(STAGES), 2)


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")


class PipelineState(StoreBase):
    """Reads launchable work and records stage outcomes. ``PipelineState(engine_or_url, *, clock=None)``.

    Not owner-scoped: it is the orchestrator's view of all tasks.
    """

    # -- reads ---------------------------------------------------------------------------------------

    def launchable(self, now: datetime, limit: int) -> list[LaunchItem]:
        """Stage runs to launch now, oldest queued first: per active task, the current generation's first
        not-completed stage if it is waiting, its retry time has come and (after 'script') the script is
        approved when the task requires approval. One indexed statement; reads only."""
        now = as_utc(now)
        stmt = (
            current_stage_select(Task.id, Task.generation, TaskStageState.stage, TaskStageState.attempt)
            .where(
                TaskStageState.status == StageStatus.WAITING,
                or_(TaskStageState.next_retry_at.is_(None), TaskStageState.next_retry_at <= now),
                or_(
                    TaskStageState.stage == Stage.SCRIPT,
                    Task.requires_approval.is_(False),
                    Task.script_approved_at.is_not(None),
                ),
            )
            .order_by(*QUEUE_ORDER)
            .limit(limit)
        )
        with self._read() as session:
            return [LaunchItem(*row) for row in session.execute(stmt)]

    def task_spec(self, task_id: str) -> TaskSpec:
        """What a run needs to produce the task's current generation."""
        with self._read() as session:
            task = session.get(Task, task_id)
            if task is None:
                raise NotFoundError(f"task {task_id!r} not found", {"taskId": task_id})
            return TaskSpec(
                task_id=task.id,
                title=task.title,
                generation=max(task.generation, 1),
                settings=TaskSettings.model_validate(task.settings),
                product=None if task.product is None else ProductInfo.model_validate(task.product),
                description=task.description,
                created_at=task.created_at,
            )

    # -- stage events --------------------------------------------------------------------------------

    def stage_started(
        self,
        task_id: str,
        generation: int,
        stage: str,
        run_id: str,
        pid: int | None = None,
        *,
        process_name: str | None = None,
    ) -> bool:
        """Mark the stage processing by ``run_id`` and the task running; False if the run should not
        proceed (stale generation, task stopped, stage already done, earlier stage not completed).
        Repeating the call for the same run returns True without changing anything."""
        now = self.now()
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            if state.status is StageStatus.PROCESSING:
                return state.run_id == run_id
            if state.status is not StageStatus.WAITING or not self._earlier_completed(session, state):
                return False
            state.status = StageStatus.PROCESSING
            state.run_id = run_id
            state.started_at = state.updated_at = now
            state.finished_at = state.next_retry_at = None
            if task.status is TaskStatus.QUEUED:
                task.status = TaskStatus.RUNNING
            task.started_at = task.started_at or now
            task.step, task.message = stage, f"{stage} started"
            task.locked_by, task.locked_at = run_id, now
            task.progress = overall_progress(stage, 0)
            task.updated_at = now
            add_log(
                session,
                task,
                LogAction.START,
                f"{stage} started (attempt {state.attempt})",
                now=now,
                stage=stage,
                run_id=run_id,
                pid=pid,
                process_name=process_name,
                metadata={"attempt": state.attempt},
            )
            return True

    def stage_progress(self, task_id: str, generation: int, stage: str, percent: float, message: str) -> bool:
        """Record the processing stage's progress on the task (a 'progress' log every 5 % overall)."""
        now = self.now()
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None or locked[1].status is not StageStatus.PROCESSING:
                return False
            task, _ = locked
            before, task.progress = task.progress, overall_progress(stage, percent)
            task.step, task.message = stage, message[:500]
            task.updated_at = now
            if task.progress // PROGRESS_LOG_STEP != before // PROGRESS_LOG_STEP:
                add_log(
                    session,
                    task,
                    LogAction.PROGRESS,
                    message,
                    now=now,
                    stage=stage,
                    metadata={"percent": percent, "progress": task.progress},
                )
            return True

    def stage_completed(
        self,
        task_id: str,
        generation: int,
        stage: str,
        run_id: str,
        contents: Sequence[ContentRecord] = (),
    ) -> bool:
        """Mark the stage completed and store its contents; the last stage completes the task (succeeded,
        ``youtube_url`` from the 'publish' content, schedule advanced). False (and no change) if already
        completed, stopped or stale."""
        now = self.now()
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None or locked[1].status not in OPEN_STAGE_STATUSES:
                return False
            task, state = locked
            self._close(state, StageStatus.COMPLETED, now, run_id=run_id)
            session.add_all(
                Content(
                    task_id=task_id,
                    generation=generation,
                    stage=stage,
                    kind=record.kind,
                    path=record.path,
                    url=record.url,
                    meta=record.metadata,
                    created_at=now,
                )
                for record in contents
            )
            add_log(
                session,
                task,
                LogAction.COMPLETE,
                f"{stage} completed",
                now=now,
                stage=stage,
                run_id=run_id,
                metadata={"contents": len(contents)},
            )
            self._after_stage_done(session, task, stage, now)
            return True

    def stage_failed(
        self,
        task_id: str,
        generation: int,
        stage: str,
        run_id: str,
        error: str,
        transient: bool,
        retry_after_s: float | None = None,
    ) -> bool:
        """Record a failed run: a transient failure with retries left goes back to waiting with
        ``attempt + 1`` and a backoff (5, 10, 30 s or ``retry_after_s``); otherwise the stage and the task
        fail with ``error``. Idempotent per ``run_id``; returns False if nothing changed."""
        now = self.now()
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            current_run = state.status is StageStatus.PROCESSING and state.run_id == run_id
            before_start = state.status is StageStatus.WAITING and state.run_id != run_id
            if not (current_run or before_start) or task.status not in ACTIVE_STATUSES:
                return False
            if transient and state.auto_retries < state.max_attempts:
                self._schedule_retry(session, task, state, run_id, error, retry_after_s, now)
            else:
                self._fail(session, task, state, run_id, error, now)
            return True

    def stage_canceled(self, task_id: str, generation: int, stage: str, run_id: str) -> bool:
        """A run was canceled (e.g. terminated in the Dagster UI): the task is canceled like a stop,
        unless it already ended. Returns False if nothing changed."""
        now = self.now()
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            if state.status is StageStatus.PROCESSING and state.run_id != run_id:
                return False  # a stale run of an earlier attempt
            changed, _ = cancel_task(session, task, now, f"{stage} run {run_id} canceled")
            return changed

    # -- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _lock(
        session: Session, task_id: str, generation: int, stage: str
    ) -> tuple[Task, TaskStageState] | None:
        """Lock the task, then the stage state (lock order); None if unknown or not the current generation."""
        _check_stage(stage)
        task = session.scalars(
            select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True)
        ).first()
        if task is None or task.generation != generation:
            return None
        state = session.scalars(
            select(TaskStageState)
            .where(
                TaskStageState.task_id == task_id,
                TaskStageState.generation == generation,
                TaskStageState.stage == stage,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        return None if state is None else (task, state)

    @staticmethod
    def _earlier_completed(session: Session, state: TaskStageState) -> bool:
        earlier = STAGES[: STAGES.index(state.stage)]
        if not earlier:
            return True
        open_before = session.scalar(
            select(func.count()).where(
                TaskStageState.task_id == state.task_id,
                TaskStageState.generation == state.generation,
                TaskStageState.stage.in_(earlier),
                TaskStageState.status != StageStatus.COMPLETED,
            )
        )
        return not open_before

    @staticmethod
    def _close(
        state: TaskStageState, status: StageStatus, now: datetime, *, run_id: str | None = None
    ) -> None:
        state.status = status
        state.run_id = run_id or state.run_id
        state.next_retry_at = None
        state.finished_at = state.updated_at = now
        if status is StageStatus.COMPLETED:
            state.error = None

    def _after_stage_done(self, session: Session, task: Task, stage: str, now: datetime) -> None:
        session.flush()
        remaining = session.scalar(
            select(func.count()).where(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == task.generation,
                TaskStageState.status != StageStatus.COMPLETED,
            )
        )
        task.locked_by = task.locked_at = None
        task.step = stage
        task.updated_at = now
        if remaining:
            task.progress = overall_progress(stage, 100)
            waits = task.requires_approval and task.script_approved_at is None and stage == Stage.SCRIPT
            task.message = "waiting for script approval" if waits else f"{stage} completed"
            return
        task.status = TaskStatus.SUCCEEDED
        task.progress = 100.0
        task.finished_at = now
        task.message = "succeeded"
        task.youtube_url = session.scalar(
            select(Content.url)
            .where(
                Content.task_id == task.id,
                Content.generation == task.generation,
                Content.kind == ContentKind.PUBLISH,
                Content.url.is_not(None),
            )
            .order_by(Content.id.desc())
            .limit(1)
        )
        end_generation_schedules(session, task, now)

    @staticmethod
    def _schedule_retry(
        session: Session,
        task: Task,
        state: TaskStageState,
        run_id: str,
        error: str,
        retry_after_s: float | None,
        now: datetime,
    ) -> None:
        delay = (
            retry_after_s
            if retry_after_s is not None
            else BACKOFF_S[min(state.auto_retries, len(BACKOFF_S) - 1)]
        )
        state.status = StageStatus.WAITING
        state.run_id = run_id  # kept so a repeated report of this run is recognised and ignored
        state.attempt += 1
        state.auto_retries += 1
        state.error = error
        state.next_retry_at = now + timedelta(seconds=delay)
        state.started_at = state.finished_at = None
        state.updated_at = now
        task.locked_by = task.locked_at = None
        task.message = f"{state.stage} failed; retry {state.auto_retries}/{state.max_attempts} in {delay:g} s"
        task.updated_at = now
        add_log(
            session,
            task,
            LogAction.RETRY,
            error,
            now=now,
            level=LogLevel.WARNING,
            stage=state.stage,
            run_id=run_id,
            metadata={"attempt": state.attempt, "delaySeconds": delay},
        )

    @staticmethod
    def _fail(
        session: Session, task: Task, state: TaskStageState, run_id: str, error: str, now: datetime
    ) -> None:
        PipelineState._close(state, StageStatus.FAILED, now, run_id=run_id)
        state.error = error
        session.flush()
        cancel_waiting_stages(session, task, now)
        release_generation(session, task.id, task.generation, now)
        task.status = TaskStatus.FAILED
        task.last_error = error
        task.finished_at = now
        task.locked_by = task.locked_at = None
        task.message = f"{state.stage} failed"
        task.updated_at = now
        add_log(
            session,
            task,
            LogAction.FAIL,
            error,
            now=now,
            level=LogLevel.ERROR,
            stage=state.stage,
            run_id=run_id,
        )
        end_generation_schedules(session, task, now)

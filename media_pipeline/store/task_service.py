"""Tasks after they leave the draft queue: status, progress, stop, retry, approval, logs, tabs, contents."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import STAGES, Stage
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus, TaskStatus
from media_pipeline.store.base import ConfiguredOwnedService
from media_pipeline.store.clock import as_utc
from media_pipeline.store.credits import Pricing, reserve_generations, reserve_unmade
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel
from media_pipeline.store.errors import ConflictError, ValidationFailed
from media_pipeline.store.heartbeats import HeartbeatStore
from media_pipeline.store.lifecycle import (
    add_log,
    bump_queue_version,
    cancel_task,
    compact_draft_positions,
    start_generation,
)
from media_pipeline.store.models import Content, Queue, Task, TaskLog, TaskSchedule, TaskStageState
from media_pipeline.store.moves import move_stage, move_task
from media_pipeline.store.plans import check_runs_per_day
from media_pipeline.store.queries import (
    OWNED_BY_PARAMS,
    FirstInQueue,
    current_stage_select,
    owner_params,
    stage_ordinal,
)
from media_pipeline.store.run_control import RunControl
from media_pipeline.store.state_machine import reuse_completed_stages
from media_pipeline.store.views import (
    ContentView,
    LogView,
    RerunResult,
    StageStateView,
    StageTab,
    StageTabs,
    StoppedProcess,
    StopResult,
    TabItem,
    TaskProgress,
    TaskView,
    task_actions,
)

logger = logging.getLogger(__name__)

MAX_LIMIT = 1000
TAB_COLUMNS = (StageStatus.WAITING, StageStatus.PROCESSING)
"""The stage states a stage tab lists (each in its own column)."""


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            "invalid limit",
            {"errors": [{"field": "limit", "message": f"must be 1..{MAX_LIMIT}", "type": "value_error"}]},
        )
    return limit


def _tab_item(task: Task, state: TaskStageState | None, next_run_at: datetime | None = None) -> TabItem:
    return TabItem(
        task_id=task.id,
        title=task.title,
        task_status=task.status,
        generation=task.generation,
        stage=state.stage if state else None,
        stage_status=state.status if state else None,
        attempt=state.attempt if state else 0,
        next_retry_at=state.next_retry_at if state else None,
        error=state.error if state else task.last_error,
        progress=task.progress,
        queued_at=task.queued_at,
        next_run_at=next_run_at,
        updated_at=task.updated_at,
    )


def _current_stage(window: type[Task]) -> Select[Any]:
    """The current stage (state id, stage, status) of each task of ``window`` (a queue window)."""
    return current_stage_select(TaskStageState.id, TaskStageState.stage, TaskStageState.status, window=window)


_CURRENT_STAGES = FirstInQueue(_current_stage, *OWNED_BY_PARAMS)
"""The owner's current stages in queue order (the tabs' stage columns), built once."""


class TaskService(ConfiguredOwnedService):
    """The owner's tasks. ``TaskService(engine_or_url, owner, *, settings, clock=None)``."""

    # -- queries -------------------------------------------------------------------------------------

    def get(self, task_id: str) -> TaskView:
        """One task; NotFoundError if it is not the owner's."""
        with self._read() as session:
            return TaskView.model_validate(self._task(session, task_id))

    def list_tasks(
        self, statuses: Sequence[TaskStatus | str] | None = None, limit: int = 100
    ) -> list[TaskView]:
        """The owner's tasks, most recently updated first, optionally only some statuses (expired drafts
        are left out at once)."""
        stmt = (
            self._owned_tasks()
            .where(or_(Task.draft_expires_at.is_(None), Task.draft_expires_at > self.now()))
            .order_by(Task.updated_at.desc(), Task.id)
            .limit(_limit(limit))
        )
        if statuses:
            stmt = stmt.where(Task.status.in_([TaskStatus(status) for status in statuses]))
        with self._read() as session:
            return [TaskView.model_validate(task) for task in session.scalars(stmt)]

    def progress(self, task_id: str) -> TaskProgress:
        """Overall percent, step and message, with the current generation's stage states in order."""
        with self._read() as session:
            task = self._task(session, task_id)
            states = session.scalars(
                select(TaskStageState)
                .where(TaskStageState.task_id == task.id, TaskStageState.generation == task.generation)
                .order_by(stage_ordinal(TaskStageState.stage))
            ).all()
            stages = [StageStateView.model_validate(state) for state in states]
            return TaskProgress.model_validate(task).model_copy(update={"stages": stages})

    def logs(
        self,
        task_id: str | None = None,
        *,
        level: LogLevel | str | None = None,
        stage: str | None = None,
        action: LogAction | str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[LogView]:
        """Log entries, newest first, of one task or of all the owner's tasks; exact-match filters and
        an optional time range (``since`` inclusive, ``until`` exclusive)."""
        stmt = self._owned_rows(TaskLog).order_by(TaskLog.id.desc()).limit(_limit(limit))
        if level is not None:
            stmt = stmt.where(TaskLog.level == LogLevel(level))
        if stage is not None:
            stmt = stmt.where(TaskLog.stage == stage)
        if action is not None:
            stmt = stmt.where(TaskLog.action_type == LogAction(action))
        if since is not None:
            stmt = stmt.where(TaskLog.created_at >= as_utc(since))
        if until is not None:
            stmt = stmt.where(TaskLog.created_at < as_utc(until))
        with self._read() as session:
            if task_id is not None:
                self._task(session, task_id)
                stmt = stmt.where(TaskLog.task_id == task_id)
            return [LogView.model_validate(entry) for entry in session.scalars(stmt)]

    def contents(
        self,
        task_id: str | None = None,
        *,
        generation: int | None = None,
        kind: ContentKind | str | None = None,
        limit: int = 100,
    ) -> list[ContentView]:
        """Produced files and published items, newest first."""
        stmt = self._owned_rows(Content).order_by(Content.id.desc()).limit(_limit(limit))
        if generation is not None:
            stmt = stmt.where(Content.generation == generation)
        if kind is not None:
            stmt = stmt.where(Content.kind == ContentKind(kind))
        with self._read() as session:
            if task_id is not None:
                self._task(session, task_id)
                stmt = stmt.where(Content.task_id == task_id)
            return [ContentView.model_validate(content) for content in session.scalars(stmt)]

    def stage_tabs(self, limit: int = 100) -> StageTabs:
        """The UI tabs: scheduled (tasks waiting for their next schedule occurrence, soonest first), per stage
        the tasks waiting for it and being processed by it, then failed and done."""
        limit = _limit(limit)
        owned = self._owned()
        with self._read() as session:
            tabs = self._stage_columns(session, limit)
            failed = session.execute(
                select(Task, TaskStageState)
                .outerjoin(
                    TaskStageState,
                    (TaskStageState.task_id == Task.id)
                    & (TaskStageState.generation == Task.generation)
                    & (TaskStageState.status == StageStatus.FAILED),
                )
                .where(*owned, Task.status == TaskStatus.FAILED)
                .order_by(Task.finished_at.desc(), Task.id)
                .limit(limit)
            ).all()
            done = session.scalars(
                select(Task)
                .where(*owned, Task.status == TaskStatus.SUCCEEDED)
                .order_by(Task.finished_at.desc(), Task.id)
                .limit(limit)
            ).all()
            scheduled = session.execute(
                select(Task, TaskSchedule.next_run_at)
                .join(TaskSchedule, TaskSchedule.task_id == Task.id)
                .where(
                    *owned,
                    TaskSchedule.is_active.is_(True),
                    TaskSchedule.next_run_at.is_not(None),
                    Task.status.not_in(ACTIVE_STATUSES),
                )
                .order_by(TaskSchedule.next_run_at, Task.id)
                .limit(limit)
            ).all()
            return StageTabs(
                scheduled=[_tab_item(task, None, next_run_at) for task, next_run_at in scheduled],
                stages={stage: StageTab(**columns) for stage, columns in tabs.items()},
                failed=[_tab_item(task, state) for task, state in failed],
                done=[_tab_item(task, None) for task in done],
            )

    # -- commands ------------------------------------------------------------------------------------

    def stop(
        self, task_id: str, run_control: RunControl | None = None, *, generation: int | None = None
    ) -> StopResult:
        """Stop one task (idempotent): drafts/queued/scheduled/running -> canceled, open stage states
        canceled, schedules deactivated, logged as 'stop'; then its running Dagster run is terminated
        through ``run_control`` (after commit, so status writers see the task canceled).

        With ``generation``, only that generation is stopped: if the task is at another one, nothing
        changes (``changed=False``), so a late cancel never hits a newer generation."""
        now = self.now()
        with self._write() as session:
            unlocked = self._task(session, task_id)
            if unlocked.status is TaskStatus.DRAFT:  # lock order: queue before task
                session.execute(select(Queue.id).where(Queue.id == unlocked.queue_id).with_for_update())
            task = self._task(session, task_id, lock=True)
            if generation is not None and task.generation != generation:
                return StopResult(task=TaskView.model_validate(task), terminated_run_ids=[], changed=False)
            was_draft = task.status is TaskStatus.DRAFT
            open_stages = self._open_stages(session, task)
            schedules = session.scalar(
                select(func.count())
                .select_from(TaskSchedule)
                .where(TaskSchedule.task_id == task.id, TaskSchedule.is_active.is_(True))
            )
            changed, run_ids = cancel_task(session, task, now, "stopped by user")
            if was_draft:
                session.flush()
                bump_queue_version(session, task.queue_id, now)
                compact_draft_positions(session, task.queue_id)
            view = TaskView.model_validate(task)
        processes = self._run_processes(run_ids)
        terminated = [run_id for run_id in run_ids if self._terminate(task_id, run_id, run_control)]
        return StopResult(
            task=view,
            terminated_run_ids=terminated,
            changed=changed,
            canceled_running_stages=open_stages[StageStatus.PROCESSING],
            canceled_waiting_stages=open_stages[StageStatus.WAITING],
            paused_schedules=schedules or 0,
            ended_processes=[process for process in processes if process.run_id in terminated],
        )

    @staticmethod
    def _open_stages(session: Session, task: Task) -> dict[StageStatus, list[str]]:
        """The current generation's waiting and processing stages, in stage order."""
        found: dict[StageStatus, list[str]] = {StageStatus.WAITING: [], StageStatus.PROCESSING: []}
        for stage, status in session.execute(
            select(TaskStageState.stage, TaskStageState.status)
            .where(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == task.generation,
                TaskStageState.status.in_(tuple(found)),
            )
            .order_by(stage_ordinal(TaskStageState.stage))
        ):
            found[status].append(stage)
        return found

    def _run_processes(self, run_ids: Sequence[str]) -> list[StoppedProcess]:
        """The processes the heartbeats of ``run_ids`` record as running (stage code not yet returned):
        what terminating those runs ends (docs/ARCHITECTURE.md §4, stop)."""
        heartbeats = HeartbeatStore(self.engine, clock=self._clock)
        found = []
        for run_id in run_ids:
            beat = heartbeats.get(run_id)
            if beat is None or beat.ended_at is not None:
                continue
            worker = beat.worker
            found.append(
                StoppedProcess(
                    run_id=run_id, stage=worker.stage, host=worker.host, pid=worker.worker.pid, role="worker"
                )
            )
            found.extend(
                StoppedProcess(
                    run_id=run_id, stage=worker.stage, host=worker.host, pid=child.pid, role="child"
                )
                for child in worker.children
            )
        return found

    def retry(self, task_id: str, pricing: Pricing | None = None) -> TaskView:
        """Queue a failed task again from its failed stage (completed stages are kept, later ones reopened);
        the stage's attempt is bumped so it gets a new run key and a fresh automatic-retry budget.
        With ``pricing``, the generation's paid images not made are reserved again (made ones are kept).
        Idempotent: a task already queued/running is returned as is."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if task.status in ACTIVE_STATUSES:
                return TaskView.model_validate(task)
            if not task_actions(task.status).retry:
                raise ConflictError(
                    f"only failed tasks can be retried (task is {task.status.value})",
                    {"status": task.status.value},
                )
            unfinished = self._unfinished_stages(session, task)
            if not unfinished:
                raise ConflictError("the task has no stage left to retry", {"status": task.status.value})
            for state in unfinished:
                move_stage(state, StageStatus.WAITING)
                state.error = state.next_retry_at = state.started_at = state.finished_at = None
                state.updated_at = now
            if pricing is not None:
                reserve_unmade(session, task, pricing, now)
            state = unfinished[0]
            state.attempt += 1
            state.auto_retries = 0
            move_task(task, TaskStatus.QUEUED)
            task.queued_at = now
            task.finished_at = task.last_error = None
            task.message = f"retry from {state.stage}"
            task.updated_at = now
            add_log(
                session, task, LogAction.RETRY, f"manual retry from {state.stage}", now=now, stage=state.stage
            )
            return TaskView.model_validate(task)

    def rerun(self, task_id: str, pricing: Pricing | None = None) -> RerunResult:
        """Produce a finished task (succeeded, failed or canceled) again as a new generation, queued now.
        A failed or canceled task reuses its completed stages whose recorded files still exist.

        Idempotent while work is in flight: a queued/running task is returned with ``started=False``, so of
        many concurrent calls exactly one starts a generation. Drafts go through ``QueueService.run`` and
        scheduled tasks wait for their schedule: both raise ConflictError. Schedules are left as they are.
        With ``pricing``, the new generation's paid images are reserved (InsufficientCredits: no change).
        """
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if task.status in ACTIVE_STATUSES:
                return RerunResult(task=TaskView.model_validate(task), started=False)
            if not task_actions(task.status).rerun:
                raise ConflictError(
                    f"a {task.status.value} task cannot be re-run; only finished tasks can",
                    {"status": task.status.value},
                )
            check_runs_per_day(session, task.workspace_id, 1, now, self._settings)
            previous, ended = task.generation, task.status
            start_generation(session, task, now)
            reused: list[str] = []
            if ended in (TaskStatus.FAILED, TaskStatus.CANCELED):
                session.flush()
                from media_pipeline.storage import open_storage  # contents record storage keys

                storage = open_storage(self._settings)

                def exists(path: str) -> bool:  # a storage key, or an absolute path recorded by older code
                    return Path(path).is_file() if Path(path).is_absolute() else storage.exists(path)

                reused = reuse_completed_stages(session, task, previous, now, exists)
            if pricing is not None and Stage.IMAGES not in reused:  # reused images cost nothing again
                reserve_generations(session, [task], pricing, now)
            return RerunResult(task=TaskView.model_validate(task), started=True)

    def approve_script(self, task_id: str) -> TaskView:
        """Approve the current generation's script so the later stages may run (idempotent)."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if task.script_approved_at is not None:
                return TaskView.model_validate(task)
            self._check_script_in_review(session, task)
            task.script_approved_at = now
            task.message = "script approved"
            task.updated_at = now
            add_log(session, task, LogAction.APPROVE, "script approved", now=now, stage=Stage.SCRIPT)
            session.flush()  # the view shows the row as stored
            return TaskView.model_validate(task)

    def reject_script(self, task_id: str) -> TaskView:
        """Reject the current generation's written script (idempotent); the caller stops the render job."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if task.script_rejected_at is not None:
                return TaskView.model_validate(task)
            if task.script_approved_at is not None:
                raise ConflictError("the script is already approved", {"status": task.status.value})
            self._check_script_in_review(session, task)
            task.script_rejected_at = now
            task.message = "script rejected"
            task.updated_at = now
            session.flush()  # the view shows the row as stored
            return TaskView.model_validate(task)

    # -- helpers -------------------------------------------------------------------------------------

    def _stage_columns(self, session: Session, limit: int) -> dict[str, dict[str, list[TabItem]]]:
        """Per stage, the waiting and processing columns (``limit`` items each) of the owner's first
        ``limit`` x 5 active tasks in queue order: their current stages are read as ids off the queue-order
        index (``FirstInQueue``), then only the tasks that make it into a column are loaded."""

        chosen: dict[int, tuple[str, StageStatus]] = {}
        room = Counter[tuple[str, StageStatus]]()
        for state_id, stage, status in _CURRENT_STAGES.rows(
            session, limit * len(STAGES), **owner_params(self.owner)
        ):
            if status in TAB_COLUMNS and room[stage, status] < limit:
                room[stage, status] += 1
                chosen[state_id] = (stage, status)
        tabs: dict[str, dict[str, list[TabItem]]] = {
            stage: {"waiting": [], "processing": []} for stage in STAGES
        }
        if not chosen:
            return tabs
        loaded = {
            state.id: (task, state)
            for task, state in session.execute(
                select(Task, TaskStageState)
                .join(Task, Task.id == TaskStageState.task_id)
                .where(TaskStageState.id.in_(list(chosen)))
            )
        }
        for state_id, (stage, status) in chosen.items():
            if state_id in loaded:
                tabs[stage][status.value].append(_tab_item(*loaded[state_id]))
        return tabs

    @staticmethod
    def _check_script_in_review(session: Session, task: Task) -> None:
        """ConflictError unless the current generation's script is written and its render job still active."""
        script = session.scalars(
            select(TaskStageState).where(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == task.generation,
                TaskStageState.stage == Stage.SCRIPT,
            )
        ).first()
        if task.status not in ACTIVE_STATUSES or script is None or script.status is not StageStatus.COMPLETED:
            raise ConflictError(
                "there is no written script waiting for review", {"status": task.status.value}
            )

    @staticmethod
    def _unfinished_stages(session: Session, task: Task) -> list[TaskStageState]:
        """The current generation's stages that are not completed, in stage order (row-locked)."""
        return list(
            session.scalars(
                select(TaskStageState)
                .where(
                    TaskStageState.task_id == task.id,
                    TaskStageState.generation == task.generation,
                    TaskStageState.status != StageStatus.COMPLETED,
                )
                .order_by(stage_ordinal(TaskStageState.stage))
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        )

    def _terminate(self, task_id: str, run_id: str, run_control: RunControl | None) -> bool:
        if run_control is None:
            return False
        try:
            return bool(run_control.terminate(run_id))
        except Exception as exc:  # the run may already be gone; the task stays canceled either way
            logger.warning("could not terminate run %s of task %s: %s", run_id, task_id, exc)
            return False

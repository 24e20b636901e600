"""The contract between the app database and the Dagster sensors/assets (docs/ARCHITECTURE.md §3,
invariants 1, 5, 6; the stage state machine is §4 and store/state_machine.py).

Sensors call ``launchable`` (read only) and turn each item into a RunRequest with ``item.run_key``; runs
report back through the ``stage_*`` methods, which are idempotent and ignore stale generations, so a
sensor tick, daemon or worker dying at any point neither loses nor doubles work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from media_pipeline.domain.brand import BrandKit
from media_pipeline.domain.models import Privacy, ProductInfo, TaskSettings, TaskSpec
from media_pipeline.domain.stages import STAGES, Stage, overall_progress
from media_pipeline.domain.statuses import StageStatus
from media_pipeline.errors import PermanentError
from media_pipeline.store import state_machine
from media_pipeline.store.base import StoreBase
from media_pipeline.store.channels import channel_brand_kit, channel_in_workspace, default_channel
from media_pipeline.store.clock import as_utc
from media_pipeline.store.enums import ContentKind, LogAction
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.lifecycle import add_log
from media_pipeline.store.models import ChannelSetting, Task, TaskSchedule, TaskStageState
from media_pipeline.store.music import task_track
from media_pipeline.store.queries import FirstInQueue, current_stage_select
from media_pipeline.store.state_machine import Decision, StageEvent

__all__ = ["STAGES", "ContentRecord", "LaunchItem", "PipelineState"]

PROGRESS_LOG_STEP = 5.0
"""A 'progress' log entry is written each time overall progress crosses a multiple of this (percent)."""


@dataclass(frozen=True, slots=True)
class LaunchItem:
    """A stage run the sensors should request."""

    task_id: str
    generation: int
    stage: str
    attempt: int
    turn: int = field(default=1, compare=False)
    """The task's place among its workspace's active tasks (1 = first; fair dispatch, §4): a hint for
    the run queue's priority, not part of the item's identity."""

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


def _with_schedule(session: Session, task: Task) -> TaskSettings:
    """The task's settings with the privacy, publish time and channel of the schedule whose occurrence
    started the current generation (seed 001 §2.2: schedule-level YouTube settings win)."""
    settings = TaskSettings.model_validate(task.settings)
    schedule = session.scalars(
        select(TaskSchedule)
        .where(TaskSchedule.task_id == task.id, TaskSchedule.last_generation == task.generation)
        .order_by(TaskSchedule.updated_at.desc())
        .limit(1)
    ).first()
    if schedule is None:
        return settings
    overrides = {
        "privacy": None if schedule.privacy is None else Privacy(schedule.privacy),
        "publish_at": schedule.publish_at,
        "channel_setting_id": schedule.channel_setting_id,
    }
    return settings.model_copy(update={key: value for key, value in overrides.items() if value is not None})


def _with_channel_defaults(session: Session, workspace_id: str, settings: TaskSettings) -> TaskSettings:
    """``settings`` with the publishing channel's defaults (the task's channel, else the workspace's
    default) for what the task leaves unset: ``made_for_kids`` and ``voice`` (docs/ARCHITECTURE.md §12)."""
    channel_id = settings.channel_setting_id or default_channel(session, workspace_id)
    channel = None if channel_id is None else session.get(ChannelSetting, channel_id)
    if channel is None or channel.workspace_id != workspace_id:
        return settings
    defaults = {"made_for_kids": channel.made_for_kids, "voice": channel.voice}
    unset = {
        key: value for key, value in defaults.items() if value is not None and getattr(settings, key) is None
    }
    return settings.model_copy(update=unset)


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")


def _waiting(task: type[Task]) -> Select[Any]:
    """Per task of ``task`` (a queue window), its current stage if it may launch at the bound ``now``:
    waiting, its retry time has come and (after 'script') the script is approved when the task requires
    approval."""
    now = bindparam("now", type_=TaskStageState.next_retry_at.type)
    return current_stage_select(
        task.id, task.generation, TaskStageState.stage, TaskStageState.attempt, window=task
    ).where(
        TaskStageState.status == StageStatus.WAITING,
        or_(TaskStageState.next_retry_at.is_(None), TaskStageState.next_retry_at <= now),
        or_(
            TaskStageState.stage == Stage.SCRIPT,
            task.requires_approval.is_(False),
            task.script_approved_at.is_not(None),
        ),
    )


_LAUNCHABLE = FirstInQueue(_waiting, per_workspace=True)
"""``launchable``'s statements, built once."""


class PipelineState(StoreBase):
    """Reads launchable work and records stage outcomes. ``PipelineState(engine_or_url, *, clock=None)``.

    Not owner-scoped: it is the orchestrator's view of all tasks.
    """

    # -- reads ---------------------------------------------------------------------------------------

    def launchable(self, now: datetime, limit: int) -> list[LaunchItem]:
        """Stage runs to launch now, round-robin across workspaces and oldest queued first within one
        (fair dispatch, docs/ARCHITECTURE.md §4): per active task, the current generation's first
        not-completed stage if it is waiting, its retry time has come and (after 'script') the script is
        approved when the task requires approval. Reads only each workspace's earliest active tasks off
        the queue-order index until ``limit`` items are found (``FirstInQueue``)."""
        with self._read() as session:
            return [LaunchItem(*row) for row in _LAUNCHABLE.rows(session, limit, now=as_utc(now))]

    def task_spec(self, task_id: str) -> TaskSpec:
        """What a run needs to produce the task's current generation (with the YouTube settings of the
        schedule that started it, if one did)."""
        with self._read() as session:
            task = session.get(Task, task_id)
            if task is None:
                raise NotFoundError(f"task {task_id!r} not found", {"taskId": task_id})
            return TaskSpec(
                task_id=task.id,
                title=task.title,
                generation=max(task.generation, 1),
                settings=_with_channel_defaults(session, task.workspace_id, _with_schedule(session, task)),
                product=None if task.product is None else ProductInfo.model_validate(task.product),
                description=task.description,
                created_at=task.created_at,
            )

    def owner_id(self, task_id: str) -> str | None:
        """The user the task belongs to (the run's log lines name them), None if the task is gone."""
        with self._read() as session:
            return session.scalar(select(Task.user_id).where(Task.id == task_id))

    def music_track_key(self, task_id: str, settings: TaskSettings) -> str | None:
        """The storage key of the library track the task plays (``store/music.task_track``), None for the
        generated pad; PermanentError for a ``musicTrackId`` not in the task's workspace."""
        with self._read() as session:
            workspace = session.scalar(select(Task.workspace_id).where(Task.id == task_id))
            track = None if workspace is None else task_track(session, workspace, task_id, settings)
            return None if track is None else track.storage_key

    def publish_channel(self, task_id: str, channel_setting_id: str | None) -> str | None:
        """The channel setting a task publishes to: its own (PermanentError unless it belongs to the task's
        workspace) or else the workspace's default one (None if there is none)."""
        with self._read() as session:
            workspace = session.scalar(select(Task.workspace_id).where(Task.id == task_id))
            if channel_setting_id is None:
                return None if workspace is None else default_channel(session, workspace)
            if workspace is None or not channel_in_workspace(session, workspace, channel_setting_id):
                raise PermanentError(
                    f"channel setting {channel_setting_id!r} not found in the task's workspace"
                )
            return channel_setting_id

    def brand_kit(self, task_id: str, channel_setting_id: str | None) -> tuple[str, BrandKit] | None:
        """The brand kit of the channel the task publishes to (see :meth:`publish_channel`) with that
        channel's id; None when the channel has no kit (docs/ARCHITECTURE.md §9, "Brand kits")."""
        channel = self.publish_channel(task_id, channel_setting_id)
        if channel is None:
            return None
        with self._read() as session:
            kit = channel_brand_kit(session, channel)
        return None if kit is None else (channel, kit)

    # -- stage events (the transitions themselves live in store/state_machine.py) ------------------------

    def stage_started(
        self,
        task_id: str,
        generation: int,
        stage: str,
        run_id: str,
        pid: int | None = None,
        *,
        attempt: int | None = None,
        process_name: str | None = None,
    ) -> bool:
        """Mark the stage processing by ``run_id`` (of ``attempt``) and the task running; False if the run
        should not proceed (stale generation or attempt, task stopped, stage already done, earlier stage
        not completed). Repeating the call for the same run returns True without changing anything."""
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            decision = state_machine.start(
                session, task, state, self._event(run_id, attempt), pid=pid, process_name=process_name
            )
            return decision is Decision.APPLIED or (
                state.status is StageStatus.PROCESSING and state.run_id == run_id
            )

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
        *,
        attempt: int | None = None,
    ) -> bool:
        """Mark the processing stage completed by its current run and store its contents; the last stage
        completes the task (succeeded, ``youtube_url`` from the 'publish' content, schedule advanced).
        False (and no change) if repeated, stale or refused (e.g. out of order; refusals are logged)."""
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            event = self._event(run_id, attempt)
            return state_machine.complete(session, task, state, event, contents) is Decision.APPLIED

    def stage_failed(
        self,
        task_id: str,
        generation: int,
        stage: str,
        run_id: str,
        error: str,
        transient: bool,
        retry_after_s: float | None = None,
        *,
        attempt: int | None = None,
        counted: bool = True,
    ) -> bool:
        """Record a failed run of ``attempt``: a transient failure with retries left goes back to waiting
        with ``attempt + 1`` and the retry policy's delay (5, 10, 30 s) or ``retry_after_s``; otherwise the
        stage and the task fail with ``error``. A bounded deferral (``counted=False``) waits for
        ``retry_after_s`` without using a retry. Each run counts once: a repeated report or one of an older
        attempt returns False and changes nothing."""
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            task, state = locked
            decision = state_machine.fail(
                session,
                task,
                state,
                self._event(run_id, attempt),
                error=error,
                transient=transient,
                retry_after_s=retry_after_s,
                counted=counted,
            )
            return decision is Decision.APPLIED

    def stage_canceled(self, task_id: str, generation: int, stage: str, run_id: str) -> bool:
        """A run was canceled (e.g. terminated in the Dagster UI): the task is canceled like a stop,
        unless it already ended. Returns False if nothing changed."""
        with self._write() as session:
            locked = self._lock(session, task_id, generation, stage)
            if locked is None:
                return False
            decision = state_machine.cancel_run(session, *locked, self._event(run_id, None))
            return decision is Decision.APPLIED

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

    def _event(self, run_id: str, attempt: int | None) -> StageEvent:
        return StageEvent(run_id=run_id, attempt=attempt, now=self.now())

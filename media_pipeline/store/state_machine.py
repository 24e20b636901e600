"""The one state machine of tasks and stages: every stage event goes through here (docs/ARCHITECTURE.md).

Rules: stages run in order (a stage starts only when every earlier stage of its generation is completed);
only the *processing* stage, reported by its *current* run, completes or fails; a report of an older
attempt or a repeated report of the same run changes nothing (runs are counted once, by run id and
attempt); anything else is an illegal transition, which is refused, logged on the task (level warning,
``metadata.refused``) and never applied.

All functions work inside the caller's transaction on rows it has locked (task, then stage state). Statuses
are written through the one gate, ``store/moves.py`` (``TASK_MOVES``/``STAGE_MOVES``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import STAGES, Stage, overall_progress
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus, TaskStatus
from media_pipeline.retry_policy import retry_delay
from media_pipeline.store.credits import release_generation
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel
from media_pipeline.store.lifecycle import (
    add_log,
    cancel_task,
    cancel_waiting_stages,
    end_generation_schedules,
)
from media_pipeline.store.models import Content, Task, TaskStageState
from media_pipeline.store.moves import move_stage, move_task
from media_pipeline.store.review_gate import open_review, review_due
from media_pipeline.store.review_models import ReviewKind
from media_pipeline.store.user_contents import on_generation_ended, on_stage_completed


class Decision(StrEnum):
    """What the state machine did with a stage event."""

    APPLIED = "applied"
    REPEATED = "repeated"
    """Already applied (the same run reported again) or stale (an older attempt, a stopped task)."""
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class StageEvent:
    """Who reports: the run and the attempt it was launched for (None if unknown)."""

    run_id: str
    attempt: int | None
    now: datetime


def refuse(
    session: Session, task: Task, state: TaskStageState, action: LogAction, event: StageEvent, reason: str
) -> Decision:
    """Log an illegal transition on the task (never applied) and return REFUSED."""
    add_log(
        session,
        task,
        action,
        f"refused {action.value} of {state.stage}: {reason}",
        now=event.now,
        level=LogLevel.WARNING,
        stage=state.stage,
        run_id=event.run_id,
        metadata={
            "refused": True,
            "stageStatus": state.status.value,
            "currentRunId": state.run_id,
            "attempt": state.attempt,
            "reportedAttempt": event.attempt,
        },
    )
    return Decision.REFUSED


def start(
    session: Session,
    task: Task,
    state: TaskStageState,
    event: StageEvent,
    *,
    pid: int | None = None,
    process_name: str | None = None,
) -> Decision:
    """waiting -> processing for ``event.run_id`` (the task becomes running)."""
    if state.status is StageStatus.PROCESSING and state.run_id == event.run_id:
        return Decision.REPEATED
    if task.status not in ACTIVE_STATUSES or _older_attempt(state, event):
        return Decision.REPEATED
    if state.status is not StageStatus.WAITING:
        return refuse(session, task, state, LogAction.START, event, f"the stage is {state.status.value}")
    if event.attempt is not None and event.attempt != state.attempt:
        return refuse(session, task, state, LogAction.START, event, "the run is for a later attempt")
    if not _earlier_completed(session, state):
        return refuse(session, task, state, LogAction.START, event, "an earlier stage is not completed")
    now = event.now
    move_stage(state, StageStatus.PROCESSING)
    state.run_id = event.run_id
    state.started_at = state.updated_at = now
    state.finished_at = state.next_retry_at = None
    move_task(task, TaskStatus.RUNNING)
    task.started_at = task.started_at or now
    task.step, task.message = state.stage, f"{state.stage} started"
    task.locked_by, task.locked_at = event.run_id, now
    task.progress = overall_progress(state.stage, 0)
    task.updated_at = now
    add_log(
        session,
        task,
        LogAction.START,
        f"{state.stage} started (attempt {state.attempt})",
        now=now,
        stage=state.stage,
        run_id=event.run_id,
        pid=pid,
        process_name=process_name,
        metadata={"attempt": state.attempt},
    )
    return Decision.APPLIED


def complete(
    session: Session, task: Task, state: TaskStageState, event: StageEvent, contents: Sequence[Any]
) -> Decision:
    """processing -> completed by the current run; stores ``contents`` (``ContentRecord``s)."""
    if state.status is StageStatus.COMPLETED and state.run_id == event.run_id:
        return Decision.REPEATED
    if task.status not in ACTIVE_STATUSES or _older_attempt(state, event):
        return Decision.REPEATED
    if state.status is not StageStatus.PROCESSING:
        return refuse(session, task, state, LogAction.COMPLETE, event, f"the stage is {state.status.value}")
    if state.run_id != event.run_id:
        return refuse(session, task, state, LogAction.COMPLETE, event, f"run {state.run_id} is processing it")
    now = event.now
    _close(state, StageStatus.COMPLETED, now)
    session.add_all(
        Content(
            task_id=task.id,
            generation=state.generation,
            stage=state.stage,
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
        f"{state.stage} completed",
        now=now,
        stage=state.stage,
        run_id=event.run_id,
        metadata={"contents": len(contents)},
    )
    _after_stage_done(session, task, state.stage, now)
    return Decision.APPLIED


def skip(session: Session, task: Task, state: TaskStageState, reason: str, now: datetime) -> bool:
    """waiting -> completed without a run (e.g. a mediaMode branch that does not need the stage)."""
    if state.status is not StageStatus.WAITING or task.status not in ACTIVE_STATUSES:
        return False
    _close(state, StageStatus.COMPLETED, now)
    add_log(session, task, LogAction.SKIP, reason, now=now, stage=state.stage)
    _after_stage_done(session, task, state.stage, now)
    return True


def reuse_completed_stages(
    session: Session, task: Task, previous: int, now: datetime, exists: Callable[[str], bool]
) -> list[str]:
    """Carry the leading completed stages of generation ``previous`` over to the task's new (waiting)
    generation, as long as every file they recorded still exists: waiting -> completed with their contents
    copied and a 'skip' log. Returns the stages reused."""
    done = {
        state.stage
        for state in session.scalars(
            select(TaskStageState).where(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == previous,
                TaskStageState.status == StageStatus.COMPLETED,
            )
        )
    }
    outputs: dict[str, list[Content]] = {}
    for content in session.scalars(
        select(Content).where(Content.task_id == task.id, Content.generation == previous).order_by(Content.id)
    ):
        outputs.setdefault(content.stage or "", []).append(content)
    states = {
        state.stage: state
        for state in session.scalars(
            select(TaskStageState)
            .where(TaskStageState.task_id == task.id, TaskStageState.generation == task.generation)
            .with_for_update()
        )
    }
    reused: list[str] = []
    for stage in STAGES[:-1]:  # publishing is never reused: a new generation publishes anew
        files = outputs.get(stage, [])
        if stage not in done or not files or not all(_still_valid(content, exists) for content in files):
            break
        state = states[stage]
        _close(state, StageStatus.COMPLETED, now)
        session.add_all(
            Content(
                task_id=task.id,
                generation=task.generation,
                stage=stage,
                kind=content.kind,
                path=content.path,
                url=content.url,
                meta=content.meta,
                created_at=now,
            )
            for content in files
        )
        add_log(
            session,
            task,
            LogAction.SKIP,
            f"{stage}: reused the output of generation {previous}",
            now=now,
            stage=stage,
            metadata={"reusedGeneration": previous},
        )
        reused.append(stage)
        if (kind := review_due(session, task, stage)) is not None:
            enter_review(session, task, kind, now)  # a reused storyboard or video is reviewed again
            break
    if reused and task.status is not TaskStatus.REVIEW:
        task.step, task.progress = reused[-1], overall_progress(reused[-1], 100)
        task.message = f"queued; reusing {', '.join(reused)} of generation {previous}"
    return reused


def _still_valid(content: Content, exists: Callable[[str], bool]) -> bool:
    return content.path is None or exists(content.path)


def fail(
    session: Session,
    task: Task,
    state: TaskStageState,
    event: StageEvent,
    *,
    error: str,
    transient: bool,
    retry_after_s: float | None = None,
    counted: bool = True,
) -> Decision:
    """A failed run of the current attempt: a transient failure with retries left goes back to waiting with
    ``attempt + 1`` after the retry policy's delay (or ``retry_after_s``); otherwise stage and task fail.
    A bounded deferral (``counted=False``, its raiser bounds it) goes back to waiting for ``retry_after_s``
    without using a retry.

    Accepted from the processing stage's current run, or from a run of the current attempt that failed
    before it started the stage (then the stage is still waiting and has not seen this run)."""
    if task.status not in ACTIVE_STATUSES or _older_attempt(state, event):
        return Decision.REPEATED
    if state.run_id == event.run_id and state.status is not StageStatus.PROCESSING:
        return Decision.REPEATED
    if state.status is StageStatus.WAITING:
        unknown_attempt_ok = event.attempt is None and state.run_id is None
        if not (unknown_attempt_ok or event.attempt == state.attempt):
            return refuse(
                session, task, state, LogAction.FAIL, event, "the run is not of the current attempt"
            )
    elif state.status is not StageStatus.PROCESSING:
        return refuse(session, task, state, LogAction.FAIL, event, f"the stage is {state.status.value}")
    elif state.run_id != event.run_id:
        return refuse(session, task, state, LogAction.FAIL, event, f"run {state.run_id} is processing it")
    if transient and not counted and retry_after_s is not None:
        _schedule_retry(session, task, state, event, error, retry_after_s, counted=False)
    elif transient and state.auto_retries < state.max_attempts:
        _schedule_retry(session, task, state, event, error, retry_after_s)
    else:
        _fail(session, task, state, event, error)
    return Decision.APPLIED


def reopen_publishing(
    session: Session, task: Task, state: TaskStageState, now: datetime, reason: str
) -> bool:
    """Queue the finished (succeeded or failed) task's publish stage once more, as a new attempt with a
    fresh retry budget, for publications resumed after a reconnect (completed/failed -> waiting, task ->
    queued; docs/ARCHITECTURE.md §10). False, and nothing changed, for any other stage or state."""
    if (
        state.stage != STAGES[-1]
        or state.generation != task.generation
        or task.status not in (TaskStatus.SUCCEEDED, TaskStatus.FAILED)
        or state.status not in (StageStatus.COMPLETED, StageStatus.FAILED)
    ):
        return False
    move_stage(state, StageStatus.WAITING)
    state.attempt += 1
    state.auto_retries = 0
    state.error = state.next_retry_at = state.started_at = state.finished_at = None
    state.updated_at = now
    move_task(task, TaskStatus.QUEUED)
    task.queued_at = task.updated_at = now
    task.finished_at = task.last_error = None
    task.message = reason
    add_log(session, task, LogAction.RETRY, reason, now=now, stage=state.stage, metadata={"resumed": True})
    return True


def cancel_run(session: Session, task: Task, state: TaskStageState, event: StageEvent) -> Decision:
    """A run was canceled (e.g. terminated in the Dagster UI): the task is canceled like a stop, unless it
    already ended or the run is not the stage's current one."""
    if state.status is StageStatus.PROCESSING and state.run_id != event.run_id:
        return Decision.REPEATED  # a stale run of an earlier attempt
    changed, _ = cancel_task(session, task, event.now, f"{state.stage} run {event.run_id} canceled")
    return Decision.APPLIED if changed else Decision.REPEATED


# -- helpers -----------------------------------------------------------------------------------------


def _older_attempt(state: TaskStageState, event: StageEvent) -> bool:
    return event.attempt is not None and event.attempt < state.attempt


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


def _close(state: TaskStageState, status: StageStatus, now: datetime) -> None:
    move_stage(state, status)
    state.next_retry_at = None
    state.finished_at = state.updated_at = now
    if status is StageStatus.COMPLETED:
        state.error = None


def _after_stage_done(session: Session, task: Task, stage: str, now: datetime) -> None:
    session.flush()
    on_stage_completed(session, task, stage, now)
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
        if (kind := review_due(session, task, stage)) is not None:
            enter_review(session, task, kind, now)
        return
    move_task(task, TaskStatus.SUCCEEDED)
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


def enter_review(session: Session, task: Task, kind: ReviewKind, now: datetime) -> None:
    """The generation waits for a human ``kind`` review: the task leaves the active statuses, so no stage
    is launched and no run holds a slot until the review is approved (docs/ARCHITECTURE.md §4)."""
    move_task(task, TaskStatus.REVIEW)
    open_review(session, task, kind, now)
    task.message = f"waiting for {kind.value} review"
    task.updated_at = now
    add_log(session, task, LogAction.PROGRESS, task.message, now=now, metadata={"review": kind.value})


def _schedule_retry(
    session: Session,
    task: Task,
    state: TaskStageState,
    event: StageEvent,
    error: str,
    retry_after_s: float | None,
    *,
    counted: bool = True,
) -> None:
    """Back to waiting with ``attempt + 1`` (a new run key) at ``next_retry_at``; a counted retry uses one
    of ``max_attempts`` (log ``retry``), a deferral does not (log ``schedule``, ``metadata.deferred``)."""
    now = event.now
    delay = retry_after_s if retry_after_s is not None else retry_delay(state.auto_retries)
    if state.status is not StageStatus.WAITING:
        move_stage(state, StageStatus.WAITING)
    state.run_id = event.run_id  # kept so a repeated report of this run is recognised and ignored
    state.attempt += 1
    state.error = error
    state.next_retry_at = now + timedelta(seconds=delay)
    state.started_at = state.finished_at = None
    state.updated_at = now
    task.locked_by = task.locked_at = None
    task.updated_at = now
    metadata: dict[str, Any] = {"attempt": state.attempt, "delaySeconds": delay}
    if counted:
        state.auto_retries += 1
        task.message = f"{state.stage} failed; retry {state.auto_retries}/{state.max_attempts} in {delay:g} s"
        action, level = LogAction.RETRY, LogLevel.WARNING
    else:
        task.message = f"{state.stage} deferred until {state.next_retry_at.isoformat(timespec='seconds')}"
        action, level, metadata["deferred"] = LogAction.SCHEDULE, LogLevel.INFO, True
    add_log(
        session,
        task,
        action,
        error,
        now=now,
        level=level,
        stage=state.stage,
        run_id=event.run_id,
        metadata=metadata,
    )


def _fail(session: Session, task: Task, state: TaskStageState, event: StageEvent, error: str) -> None:
    now = event.now
    _close(state, StageStatus.FAILED, now)
    state.run_id = event.run_id
    state.error = error
    session.flush()
    cancel_waiting_stages(session, task, now)
    release_generation(session, task.id, task.generation, now)  # refund paid images not made
    move_task(task, TaskStatus.FAILED)
    task.last_error = error
    task.finished_at = now
    task.locked_by = task.locked_at = None
    task.message = f"{state.stage} failed"
    task.updated_at = now
    on_generation_ended(session, task, error, now)
    add_log(
        session,
        task,
        LogAction.FAIL,
        error,
        now=now,
        level=LogLevel.ERROR,
        stage=state.stage,
        run_id=event.run_id,
    )
    end_generation_schedules(session, task, now)

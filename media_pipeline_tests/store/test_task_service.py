"""Stop, retry, progress, logs, stage tabs and contents (docs/ARCHITECTURE.md §3, invariants 5, 6, 8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from media_pipeline.store import (
    STAGES,
    ConflictError,
    ContentRecord,
    LaunchItem,
    LogAction,
    NotFoundError,
    Owner,
    PipelineState,
    QueueService,
    StageStatus,
    TaskService,
    TaskStatus,
    ValidationFailed,
)
from media_pipeline_tests.store.support import (
    FakeRunControl,
    active_run_ids,
    add_drafts,
    finish_stages,
    queue_tasks,
    snapshot,
)

# -- stop -----------------------------------------------------------------------------------------------


def test_stop_a_draft(queue_service: QueueService, task_service: TaskService) -> None:
    a, b, c = add_drafts(queue_service, 3)
    version = queue_service.list_drafts().version
    result = task_service.stop(a.id, FakeRunControl())
    assert (result.changed, result.task.status, result.terminated_run_ids) == (True, TaskStatus.CANCELED, [])
    drafts = queue_service.list_drafts()
    assert [(task.id, task.queue_position) for task in drafts.tasks] == [(b.id, 0), (c.id, 1)]
    assert drafts.version == version + 1  # the draft set changed


def test_stop_queued_and_scheduled_tasks_cancel_their_stages_and_schedules(
    queue_service: QueueService, task_service: TaskService, schedule_service: Any, clock: Any
) -> None:
    queued, scheduled = add_drafts(queue_service, 2)
    schedule_service.create(scheduled.id, clock() + timedelta(days=1), repeat="daily")
    queue_service.run(queue_service.list_drafts().version)
    for task_id in (queued.id, scheduled.id):
        assert task_service.stop(task_id).task.status is TaskStatus.CANCELED
    progress = task_service.progress(queued.id)
    assert {state.status for state in progress.stages} == {StageStatus.CANCELED}
    assert schedule_service.list(scheduled.id)[0].is_active is False


def test_stop_a_running_task_terminates_its_run_only(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    running, other = queue_tasks(queue_service, 2)
    pipeline_state.stage_started(running.id, 1, "script", "run-a", 99)
    pipeline_state.stage_started(other.id, 1, "script", "run-b", 98)
    control = FakeRunControl()
    result = task_service.stop(running.id, control)
    assert control.terminated == ["run-a"]
    assert result.terminated_run_ids == ["run-a"]
    assert result.task.status is TaskStatus.CANCELED
    assert task_service.get(other.id).status is TaskStatus.RUNNING
    assert active_run_ids(pipeline_state.engine, running.id) == []
    assert active_run_ids(pipeline_state.engine, other.id) == ["run-b"]
    # the run's own late reports change nothing
    assert not pipeline_state.stage_completed(running.id, 1, "script", "run-a", [])
    assert not pipeline_state.stage_canceled(running.id, 1, "script", "run-a")


def test_stop_is_idempotent(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    pipeline_state.stage_started(task.id, 1, "script", "run-a", None)
    control = FakeRunControl()
    first = task_service.stop(task.id, control)
    before = snapshot(db_engine)
    second = task_service.stop(task.id, control)
    assert (second.changed, second.terminated_run_ids) == (False, [])
    assert second.task == first.task
    assert control.terminated == ["run-a"]
    assert snapshot(db_engine) == before
    (log,) = task_service.logs(task.id, action="stop")
    assert log.metadata == {"runIds": ["run-a"]}


def test_stop_still_cancels_when_the_run_cannot_be_terminated(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    pipeline_state.stage_started(task.id, 1, "script", "run-a", None)
    result = task_service.stop(task.id, FakeRunControl(fail=True))
    assert (result.task.status, result.terminated_run_ids) == (TaskStatus.CANCELED, [])


# -- retry ----------------------------------------------------------------------------------------------


def test_retry_resumes_from_the_failed_stage(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script", "images"])
    pipeline_state.stage_started(task.id, 1, "video", "run-v", None)
    pipeline_state.stage_failed(task.id, 1, "video", "run-v", "ffmpeg: bad input", transient=False)
    with pytest.raises(ConflictError):
        task_service.approve_script(task.id)
    clock.advance(60)
    retried = task_service.retry(task.id)
    assert (retried.status, retried.queued_at, retried.last_error) == (TaskStatus.QUEUED, clock(), None)
    assert task_service.retry(task.id) == retried  # double click
    states = {state.stage: state for state in task_service.progress(task.id).stages}
    assert [states[stage].status for stage in STAGES] == [
        StageStatus.COMPLETED,
        StageStatus.COMPLETED,
        StageStatus.WAITING,
        StageStatus.WAITING,
        StageStatus.WAITING,
    ]
    assert (states["video"].attempt, states["video"].error) == (1, None)
    assert pipeline_state.launchable(clock(), 10) == [LaunchItem(task.id, 1, "video", 1)]
    finish_stages(pipeline_state, task.id, ["video", "thumbnail", "youtube_video"])
    assert task_service.get(task.id).status is TaskStatus.SUCCEEDED


def test_only_failed_tasks_can_be_retried(queue_service: QueueService, task_service: TaskService) -> None:
    (draft,) = add_drafts(queue_service, 1)
    with pytest.raises(ConflictError, match="only failed tasks"):
        task_service.retry(draft.id)
    task_service.stop(draft.id)
    with pytest.raises(ConflictError):
        task_service.retry(draft.id)


# -- tenancy --------------------------------------------------------------------------------------------


def test_another_owner_cannot_see_or_touch_tasks(
    queue_service: QueueService,
    make_service: Callable[..., Any],
    other_owner: Owner,
    pipeline_state: PipelineState,
    db_engine: Engine,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script"])
    theirs: TaskService = make_service(TaskService, other_owner)
    before = snapshot(db_engine)
    for call in (
        lambda: theirs.get(task.id),
        lambda: theirs.progress(task.id),
        lambda: theirs.stop(task.id, FakeRunControl()),
        lambda: theirs.retry(task.id),
        lambda: theirs.approve_script(task.id),
        lambda: theirs.logs(task.id),
        lambda: theirs.contents(task.id),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.code == "NOT_FOUND"
    assert snapshot(db_engine) == before
    assert theirs.logs() == []
    assert theirs.list_tasks() == []
    tabs = theirs.stage_tabs()
    assert all(not tab.waiting and not tab.processing for tab in tabs.stages.values())


# -- observability --------------------------------------------------------------------------------------


def test_logs_are_filtered_and_newest_first(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    first, second = queue_tasks(queue_service, 2)
    finish_stages(pipeline_state, first.id, ["script"])
    pipeline_state.stage_failed(second.id, 1, "script", "r2", "timeout", transient=True)
    everything = task_service.logs()
    assert [log.id for log in everything] == sorted((log.id for log in everything), reverse=True)
    assert [(log.task_id, log.action_type) for log in everything[:3]] == [
        (second.id, LogAction.RETRY),
        (first.id, LogAction.COMPLETE),
        (first.id, LogAction.START),
    ]
    assert {log.task_id for log in task_service.logs(action="queue")} == {first.id, second.id}
    assert [log.action_type for log in task_service.logs(first.id)] == [
        LogAction.COMPLETE,
        LogAction.START,
        LogAction.QUEUE,
    ]
    assert [log.task_id for log in task_service.logs(level="warning")] == [second.id]
    assert [log.action_type for log in task_service.logs(stage="script", limit=2)] == [
        LogAction.RETRY,
        LogAction.COMPLETE,
    ]
    assert task_service.logs(first.id, action="fail") == []
    with pytest.raises(ValidationFailed):
        task_service.logs(limit=0)
    with pytest.raises(ValueError):
        task_service.logs(level="loud")


def test_stage_tabs(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState, clock: Any
) -> None:
    waiting_script, processing_script, waiting_video, failed, done = queue_tasks(queue_service, 5)
    pipeline_state.stage_started(processing_script.id, 1, "script", "r1", None)
    finish_stages(pipeline_state, waiting_video.id, ["script", "images"])
    pipeline_state.stage_failed(failed.id, 1, "script", "r3", "bad", transient=False)
    finish_stages(pipeline_state, done.id)
    (draft,) = add_drafts(queue_service, 1, prefix="draft")

    tabs = task_service.stage_tabs()
    assert list(tabs.stages) == list(STAGES)
    ids = {
        (stage, column): [item.task_id for item in getattr(tab, column)]
        for stage, tab in tabs.stages.items()
        for column in ("waiting", "processing")
    }
    assert ids[("script", "waiting")] == [waiting_script.id]
    assert ids[("script", "processing")] == [processing_script.id]
    assert ids[("video", "waiting")] == [waiting_video.id]
    assert sum(len(value) for value in ids.values()) == 3
    assert [(item.task_id, item.stage, item.error) for item in tabs.failed] == [(failed.id, "script", "bad")]
    assert [item.task_id for item in tabs.done] == [done.id]
    assert draft.id not in str(tabs)


def test_progress_lists_stages_in_order(queue_service: QueueService, task_service: TaskService) -> None:
    (task,) = queue_tasks(queue_service, 1)
    progress = task_service.progress(task.id)
    assert [state.stage for state in progress.stages] == list(STAGES)
    assert (progress.status, progress.progress, progress.generation) == (TaskStatus.QUEUED, 0.0, 1)


def test_contents_and_task_lists(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    first, second = queue_tasks(queue_service, 2)
    finish_stages(
        pipeline_state,
        first.id,
        ["script"],
        contents={"script": [ContentRecord(kind="script", path="story.json")]},
    )
    finish_stages(
        pipeline_state,
        second.id,
        ["script", "images"],
        contents={"images": [ContentRecord(kind="image", path=f"scene_{i:02d}.png") for i in range(3)]},
    )
    assert [c.path for c in task_service.contents(kind="script")] == ["story.json"]
    assert len(task_service.contents(second.id)) == 3
    assert len(task_service.contents(second.id, generation=2)) == 0
    assert len(task_service.contents(limit=2)) == 2
    assert {t.id for t in task_service.list_tasks(["running"])} == {first.id, second.id}
    assert task_service.list_tasks(["draft"]) == []

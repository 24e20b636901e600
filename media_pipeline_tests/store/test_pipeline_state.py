"""The sensors' contract: launchable work and stage outcomes (docs/ARCHITECTURE.md §3, invariants 1, 5,
6; §4)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from media_pipeline.retry_policy import BACKOFF_S
from media_pipeline.store import (
    STAGES,
    ContentRecord,
    Housekeeping,
    LaunchItem,
    LogAction,
    NotFoundError,
    PipelineState,
    QueueService,
    StageStatus,
    TaskService,
    TaskStatus,
)
from media_pipeline.store.housekeeping import REPEAT_HOLD
from media_pipeline_tests.store.support import (
    active_run_ids,
    add_drafts,
    finish_stages,
    queue_tasks,
    snapshot,
    stage_state,
)


def test_launchable_gives_the_first_stage_of_each_queued_task_in_queue_order(
    queue_service: QueueService, pipeline_state: PipelineState, clock: Any
) -> None:
    a, b, c = add_drafts(queue_service, 3)
    version = queue_service.reorder([c.id, a.id, b.id], queue_service.list_drafts().version).version
    queue_service.run(version, ids=[b.id, c.id])
    clock.advance(10)
    queue_service.run(queue_service.list_drafts().version)  # a: queued later
    items = pipeline_state.launchable(clock(), 10)
    assert items == [LaunchItem(task_id, 1, "script", 0) for task_id in (c.id, b.id, a.id)]
    assert items[0].run_key == f"{c.id}:1:script:0"
    assert pipeline_state.launchable(clock(), 2) == items[:2]


def test_launchable_only_reads_and_is_stable_until_a_run_reports(
    queue_service: QueueService, pipeline_state: PipelineState, db_engine: Engine, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    before = snapshot(db_engine)
    first = pipeline_state.launchable(clock(), 10)
    assert pipeline_state.launchable(clock(), 10) == first  # same run key: Dagster dedupes a re-request
    assert snapshot(db_engine) == before
    assert pipeline_state.stage_started(task.id, 1, "script", "r1", 100)
    assert pipeline_state.launchable(clock(), 10) == []  # processing: nothing to launch
    assert pipeline_state.stage_completed(task.id, 1, "script", "r1", [])
    assert pipeline_state.launchable(clock(), 10) == [LaunchItem(task.id, 1, "images", 0)]


def test_a_task_runs_stage_by_stage_to_success(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    contents = {
        "script": [ContentRecord(kind="script", path=f"tasks/{task.id}/story.json")],
        "video": [
            ContentRecord(kind="video", path=f"tasks/{task.id}/output.mp4", metadata={"duration": 30.0})
        ],
        "youtube_video": [ContentRecord(kind="publish", url="https://youtu.be/abc")],
    }
    for stage in STAGES:
        (item,) = pipeline_state.launchable(clock(), 10)
        assert item.stage == stage
        finish_stages(pipeline_state, task.id, [stage], contents=contents)
        clock.advance(1)
    done = task_service.get(task.id)
    assert (done.status, done.progress, done.youtube_url) == (
        TaskStatus.SUCCEEDED,
        100.0,
        "https://youtu.be/abc",
    )
    assert done.finished_at is not None
    assert pipeline_state.launchable(clock(), 10) == []
    listed = task_service.contents(task.id)
    assert [(c.kind.value, c.stage) for c in listed] == [
        ("publish", "youtube_video"),
        ("video", "video"),
        ("script", "script"),
    ]
    assert listed[1].metadata == {"duration": 30.0}


def test_stage_started_marks_the_task_running_and_logs(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert pipeline_state.stage_started(task.id, 1, "script", "r1", 321, process_name="dagster-run")
    assert pipeline_state.stage_started(task.id, 1, "script", "r1", 321)  # repeated report: still ok
    assert not pipeline_state.stage_started(task.id, 1, "script", "other-run", 1)
    running = task_service.progress(task.id)
    assert (running.status, running.step) == (TaskStatus.RUNNING, "script")
    assert running.stages[0].status is StageStatus.PROCESSING
    assert active_run_ids(pipeline_state.engine, task.id) == ["r1"]
    log, refusal = sorted(task_service.logs(task.id, action="start"), key=lambda entry: entry.id)
    assert (log.pid, log.process_name, log.run_id, log.stage) == (321, "dagster-run", "r1", "script")
    assert (refusal.level, refusal.run_id, refusal.metadata["refused"]) == ("warning", "other-run", True)


def test_stages_cannot_start_out_of_order(queue_service: QueueService, pipeline_state: PipelineState) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert not pipeline_state.stage_started(task.id, 1, "video", "r1", None)
    with pytest.raises(ValueError, match="unknown stage"):
        pipeline_state.stage_started(task.id, 1, "nope", "r1", None)


def test_completion_is_idempotent(
    queue_service: QueueService, pipeline_state: PipelineState, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(
        pipeline_state, task.id, STAGES, contents={"youtube_video": [ContentRecord(kind="publish")]}
    )
    before = snapshot(db_engine)
    for stage in STAGES:
        assert not pipeline_state.stage_completed(
            task.id, 1, stage, f"run-1-{stage}", [ContentRecord(kind="video")]
        )
    assert not pipeline_state.stage_failed(task.id, 1, "youtube_video", "run-1-youtube_video", "late", True)
    assert snapshot(db_engine) == before


def test_progress_updates_the_task_and_throttles_logs(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert not pipeline_state.stage_progress(task.id, 1, "script", 10, "not started")
    pipeline_state.stage_started(task.id, 1, "script", "r1", None)
    for percent in range(0, 101, 5):
        assert pipeline_state.stage_progress(task.id, 1, "script", percent, f"writing {percent}%")
    progress = task_service.progress(task.id)
    assert (progress.progress, progress.step, progress.message) == (20.0, "script", "writing 100%")
    logged = [log.metadata["percent"] for log in task_service.logs(task.id, action=LogAction.PROGRESS)]
    assert sorted(logged) == [25, 50, 75, 100]


def test_transient_failures_retry_after_5_10_30_s_then_fail(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    run_keys = []
    for attempt, backoff in enumerate([*BACKOFF_S, None]):
        (item,) = pipeline_state.launchable(clock(), 10)
        assert (item.stage, item.attempt) == ("script", attempt)
        run_keys.append(item.run_key)
        run_id = f"run-{attempt}"
        assert pipeline_state.stage_started(task.id, 1, "script", run_id, None)
        assert pipeline_state.stage_failed(task.id, 1, "script", run_id, "HTTP 503", transient=True)
        assert not pipeline_state.stage_failed(task.id, 1, "script", run_id, "HTTP 503", transient=True)
        if backoff is None:
            break
        state = stage_state(pipeline_state.engine, task.id, 1, "script")
        assert state is not None
        assert (state.status, state.next_retry_at) == (
            StageStatus.WAITING,
            clock() + timedelta(seconds=backoff),
        )
        clock.advance(backoff - 1)
        assert pipeline_state.launchable(clock(), 10) == []
        clock.advance(1)
    assert len(set(run_keys)) == 4
    failed = task_service.get(task.id)
    assert (failed.status, failed.last_error) == (TaskStatus.FAILED, "HTTP 503")
    assert [log.action_type for log in task_service.logs(task.id, stage="script", level="warning")] == [
        LogAction.RETRY
    ] * 3
    assert len(task_service.logs(task.id, action="fail", level="error")) == 1
    assert pipeline_state.launchable(clock(), 10) == []


def test_a_retry_after_hint_overrides_the_backoff(
    queue_service: QueueService, pipeline_state: PipelineState, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert pipeline_state.stage_failed(
        task.id, 1, "script", "r0", "quota", transient=True, retry_after_s=3600
    )
    state = stage_state(pipeline_state.engine, task.id, 1, "script")
    assert state is not None and state.next_retry_at == clock() + timedelta(hours=1)


def test_a_permanent_failure_fails_at_once(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script"])
    pipeline_state.stage_started(task.id, 1, "images", "r1", None)
    assert pipeline_state.stage_failed(task.id, 1, "images", "r1", "missing file x.png", transient=False)
    failed = task_service.get(task.id)
    assert (failed.status, failed.last_error) == (TaskStatus.FAILED, "missing file x.png")
    (log,) = task_service.logs(task.id, action="fail")
    assert (log.stage, log.message, log.level.value) == ("images", "missing file x.png", "error")
    statuses = [state.status.value for state in task_service.progress(task.id).stages]
    assert statuses == ["completed", "failed", "canceled", "canceled", "canceled"]  # a retry reopens them


def test_script_approval_gates_the_later_stages(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1, {"requiresApproval": True})
    with pytest.raises(Exception, match="no written script"):
        task_service.approve_script(task.id)
    finish_stages(pipeline_state, task.id, ["script"])
    assert pipeline_state.launchable(clock(), 10) == []
    assert task_service.get(task.id).message == "waiting for script approval"
    approved = task_service.approve_script(task.id)
    assert approved.script_approved_at == clock()
    assert task_service.approve_script(task.id) == approved  # idempotent
    assert pipeline_state.launchable(clock(), 10) == [LaunchItem(task.id, 1, "images", 0)]


def test_stale_generations_are_ignored(
    queue_service: QueueService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    task_service: TaskService,
    make_service: Callable[..., Any],
    schedule_service: Any,
    db_engine: Engine,
    clock: Any,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    schedule_service.create(task.id, clock())
    assert housekeeping.queue_due_repeats(clock()).queued == 1  # generation 2
    before = snapshot(db_engine)
    assert not pipeline_state.stage_started(task.id, 1, "script", "old", None)
    assert not pipeline_state.stage_progress(task.id, 1, "script", 50, "old")
    assert not pipeline_state.stage_completed(task.id, 1, "script", "old", [ContentRecord(kind="script")])
    assert not pipeline_state.stage_failed(task.id, 1, "script", "old", "x", transient=False)
    assert not pipeline_state.stage_canceled(task.id, 1, "script", "old")
    assert not pipeline_state.stage_started("t000000000000", 1, "script", "old", None)
    assert snapshot(db_engine) == before
    assert pipeline_state.launchable(clock() + REPEAT_HOLD, 10) == [LaunchItem(task.id, 2, "script", 0)]
    assert pipeline_state.task_spec(task.id).generation == 2


def test_a_canceled_run_cancels_the_task(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    pipeline_state.stage_started(task.id, 1, "script", "r1", None)
    assert not pipeline_state.stage_canceled(task.id, 1, "script", "some-older-run")
    assert pipeline_state.stage_canceled(task.id, 1, "script", "r1")
    assert not pipeline_state.stage_canceled(task.id, 1, "script", "r1")
    progress = task_service.progress(task.id)
    assert progress.status is TaskStatus.CANCELED
    assert {state.status for state in progress.stages} == {StageStatus.CANCELED}
    assert len(task_service.logs(task.id, action="stop")) == 1
    assert not pipeline_state.stage_completed(task.id, 1, "script", "r1", [])


def test_a_finished_task_is_not_canceled_by_a_late_cancel(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    assert not pipeline_state.stage_canceled(task.id, 1, "youtube_video", "run-1-youtube_video")
    assert task_service.get(task.id).status is TaskStatus.SUCCEEDED


def test_task_spec_is_built_from_the_row(queue_service: QueueService, pipeline_state: PipelineState) -> None:
    options = {"title": "Lamp ad", "type": "product", "product": {"name": "Lamp"}, "imageCount": 2}
    (task,) = queue_tasks(queue_service, 1, options)
    spec = pipeline_state.task_spec(task.id)
    assert (spec.task_id, spec.title, spec.generation) == (task.id, "Lamp ad", 1)
    assert spec.settings.image_count == 2
    assert spec.product is not None and spec.product.name == "Lamp"
    with pytest.raises(NotFoundError):
        pipeline_state.task_spec("t000000000000")


def test_bounded_deferrals_wait_for_their_time_without_using_the_retries(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, STAGES[:-1])
    publish = STAGES[-1]
    for attempt in range(3):  # three successive deferrals (e.g. TikTok's daily cap)
        (item,) = pipeline_state.launchable(clock(), 10)
        assert (item.stage, item.attempt) == (publish, attempt)
        run_id = f"publish-{attempt}"
        assert pipeline_state.stage_started(task.id, 1, publish, run_id, None, attempt=attempt)
        assert pipeline_state.stage_failed(
            task.id, 1, publish, run_id, "deferred", True, 3600, attempt=attempt, counted=False
        )
        state = stage_state(pipeline_state.engine, task.id, 1, publish)
        assert state is not None
        assert (state.status, state.attempt, state.auto_retries) == (StageStatus.WAITING, attempt + 1, 0)
        assert state.next_retry_at == clock() + timedelta(hours=1)
        clock.advance(3599)
        assert pipeline_state.launchable(clock(), 10) == []  # not before the reset
        clock.advance(1)
    assert pipeline_state.stage_failed(task.id, 1, publish, "publish-3", "HTTP 503", True, attempt=3)
    state = stage_state(pipeline_state.engine, task.id, 1, publish)
    assert state is not None and (state.attempt, state.auto_retries) == (4, 1)  # a real failure counts
    clock.advance(BACKOFF_S[0])
    assert pipeline_state.stage_started(task.id, 1, publish, "publish-4", None, attempt=4)
    assert pipeline_state.stage_completed(task.id, 1, publish, "publish-4", [], attempt=4)

    assert task_service.get(task.id).status is TaskStatus.SUCCEEDED
    deferrals = task_service.logs(task.id, action=LogAction.SCHEDULE, stage=publish)
    assert [log.metadata["deferred"] for log in deferrals] == [True] * 3
    assert len(task_service.logs(task.id, action=LogAction.RETRY, stage=publish)) == 1


def test_deferrals_after_the_retries_are_used_up_still_wait_and_a_failure_then_ends_the_task(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    for attempt in range(len(BACKOFF_S)):
        assert pipeline_state.stage_failed(
            task.id, 1, "script", f"r{attempt}", "HTTP 503", True, attempt=attempt
        )
    assert pipeline_state.stage_failed(
        task.id, 1, "script", "r3", "deferred", True, 60, attempt=3, counted=False
    )
    assert task_service.get(task.id).status is TaskStatus.QUEUED
    assert pipeline_state.stage_failed(task.id, 1, "script", "r4", "HTTP 503", True, attempt=4)
    failed = task_service.get(task.id)
    assert (failed.status, failed.last_error) == (TaskStatus.FAILED, "HTTP 503")

"""The one state machine: runs counted once by run id and attempt, stages in order, refusals logged."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from media_pipeline.store import LogAction, PipelineState, QueueService, StageStatus, TaskService, TaskStatus
from media_pipeline.store.models import Task
from media_pipeline.store.moves import IllegalTransition, move_task
from media_pipeline_tests.store.support import finish_stages, queue_tasks, snapshot


def _fail(state: PipelineState, task_id: str, run_id: str, attempt: int, error: str = "HTTP 503") -> bool:
    return state.stage_failed(task_id, 1, "images", run_id, error, transient=True, attempt=attempt)


def test_an_older_attempts_run_reported_again_is_not_counted(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, clock: Any
) -> None:
    """The status writer re-reads finished runs: the first attempt's run must never count again."""
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script"])
    for attempt in range(3):
        run_id = f"images-{attempt}"
        assert pipeline_state.stage_started(task.id, 1, "images", run_id, attempt=attempt)
        assert _fail(pipeline_state, task.id, run_id, attempt, f"HTTP 503 (attempt {attempt})")
        for earlier in range(attempt + 1):  # every re-read of every earlier run
            assert not _fail(pipeline_state, task.id, f"images-{earlier}", earlier, "Dagster run failed")
        clock.advance(60)
    progress = task_service.progress(task.id)
    images = progress.stages[1]
    assert (progress.status, images.status, images.attempt, images.auto_retries) == (
        TaskStatus.RUNNING,
        StageStatus.WAITING,
        3,
        3,
    )
    assert images.error == "HTTP 503 (attempt 2)"
    delays = [log.metadata["delaySeconds"] for log in task_service.logs(task.id, action=LogAction.RETRY)]
    assert sorted(delays) == [5, 10, 30]
    # the fourth attempt fails for good, with its real cause as last_error
    assert pipeline_state.stage_started(task.id, 1, "images", "images-3", attempt=3)
    assert _fail(pipeline_state, task.id, "images-3", 3, "HTTP 503 from the image source")
    assert not _fail(pipeline_state, task.id, "images-0", 0, "Dagster run failed")
    failed = task_service.get(task.id)
    assert (failed.status, failed.last_error) == (TaskStatus.FAILED, "HTTP 503 from the image source")


def test_a_run_failing_before_it_started_the_stage_counts_once(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script"])
    assert _fail(pipeline_state, task.id, "never-started", 0)
    assert not _fail(pipeline_state, task.id, "never-started", 0)
    assert task_service.progress(task.id).stages[1].attempt == 1


def test_out_of_order_completion_is_refused_and_logged(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id, ["script", "images"])
    before = snapshot(db_engine)
    assert not pipeline_state.stage_completed(task.id, 1, "thumbnail", "thumb-run")
    after = snapshot(db_engine)
    assert {name: rows for name, rows in after.items() if name != "task_logs"} == {
        name: rows for name, rows in before.items() if name != "task_logs"
    }
    stages = task_service.progress(task.id).stages
    assert [s.status for s in stages[2:]] == [StageStatus.WAITING] * 3
    (refusal,) = task_service.logs(task.id, action=LogAction.COMPLETE, level="warning")
    assert (refusal.stage, refusal.run_id, refusal.metadata["refused"]) == ("thumbnail", "thumb-run", True)
    assert "waiting" in refusal.message


def test_only_the_current_run_completes_or_fails_the_processing_stage(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert pipeline_state.stage_started(task.id, 1, "script", "current", attempt=0)
    assert not pipeline_state.stage_completed(task.id, 1, "script", "intruder")
    assert not pipeline_state.stage_failed(task.id, 1, "script", "intruder", "x", transient=False, attempt=0)
    assert task_service.progress(task.id).stages[0].status is StageStatus.PROCESSING
    refused = task_service.logs(task.id, level="warning")
    assert {log.action_type for log in refused} == {LogAction.COMPLETE, LogAction.FAIL}
    assert pipeline_state.stage_completed(task.id, 1, "script", "current")


def test_a_stale_attempts_run_cannot_start(
    queue_service: QueueService, pipeline_state: PipelineState, task_service: TaskService
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    assert pipeline_state.stage_failed(task.id, 1, "script", "r0", "HTTP 503", transient=True, attempt=0)
    assert not pipeline_state.stage_started(task.id, 1, "script", "late-r0", attempt=0)
    assert pipeline_state.stage_started(task.id, 1, "script", "r1", attempt=1)


@pytest.mark.parametrize(
    ("start", "target"),
    [(TaskStatus.SUCCEEDED, TaskStatus.RUNNING), (TaskStatus.CANCELED, TaskStatus.FAILED)],
)
def test_illegal_task_moves_raise(start: TaskStatus, target: TaskStatus) -> None:
    task = Task(id="t", status=start)
    with pytest.raises(IllegalTransition):
        move_task(task, target)
    assert task.status is start

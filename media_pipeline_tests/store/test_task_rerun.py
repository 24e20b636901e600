"""``TaskService.rerun`` (a finished task produced again as a new generation) and ``stop(generation=)``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.store import (
    STAGES,
    ConflictError,
    ContentRecord,
    NotFoundError,
    Owner,
    PipelineState,
    QueueService,
    ScheduleService,
    StageStatus,
    TaskService,
    TaskStatus,
)
from media_pipeline.store.models import TaskStageState
from media_pipeline_tests.store.support import (
    add_drafts,
    finish_stages,
    queue_tasks,
    race,
    snapshot,
    stage_state,
)


def _states(task_service: TaskService, task_id: str) -> list[tuple[str, StageStatus]]:
    return [(state.stage, state.status) for state in task_service.progress(task_id).stages]


def test_rerun_a_succeeded_task_starts_a_new_generation(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    result = task_service.rerun(task.id)
    assert result.started
    assert (result.task.status, result.task.generation, result.task.progress) == (TaskStatus.QUEUED, 2, 0.0)
    assert _states(task_service, task.id) == [(stage, StageStatus.WAITING) for stage in STAGES]
    assert [item.generation for item in pipeline_state.launchable(task_service.now(), 10)] == [2]
    assert (
        stage_state(pipeline_state.engine, task.id, 1, "video").status is StageStatus.COMPLETED
    )  # history kept


@pytest.mark.parametrize("ending", ["failed", "canceled"])
def test_rerun_failed_and_canceled_tasks(
    ending: str, queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    if ending == "failed":
        pipeline_state.stage_failed(task.id, 1, "script", "r1", "boom", transient=False)
    else:
        task_service.stop(task.id)
    result = task_service.rerun(task.id)
    assert (result.started, result.task.status, result.task.generation) == (True, TaskStatus.QUEUED, 2)
    assert result.task.last_error is None


def test_rerun_is_idempotent_while_work_is_in_flight(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    before = snapshot(db_engine)
    assert task_service.rerun(task.id).started is False
    assert snapshot(db_engine) == before
    assert pipeline_state.stage_started(task.id, 1, "script", "run-1")
    running = task_service.rerun(task.id)
    assert (running.started, running.task.status, running.task.generation) == (False, TaskStatus.RUNNING, 1)


def test_drafts_and_scheduled_tasks_are_not_rerun(
    queue_service: QueueService,
    task_service: TaskService,
    schedule_service: ScheduleService,
    clock: Any,
    db_engine: Engine,
) -> None:
    draft, waiting = add_drafts(queue_service, 2)
    schedule_service.create(waiting.id, clock.current + timedelta(days=1))
    queue_service.run(queue_service.list_drafts().version, [waiting.id])
    before = snapshot(db_engine)
    for task_id, status in ((draft.id, "draft"), (waiting.id, "scheduled")):
        with pytest.raises(ConflictError) as caught:
            task_service.rerun(task_id)
        assert caught.value.details == {"status": status}
    assert snapshot(db_engine) == before


def test_another_owner_cannot_rerun(
    queue_service: QueueService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    make_service: Callable[..., Any],
    other_owner: Owner,
    db_engine: Engine,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    before = snapshot(db_engine)
    with pytest.raises(NotFoundError):
        make_service(TaskService, other_owner).rerun(task.id)
    assert snapshot(db_engine) == before


def test_concurrent_reruns_start_exactly_one_generation(
    queue_service: QueueService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    db_engine: Engine,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    results = race(*[lambda: task_service.rerun(task.id) for _ in range(8)])
    assert not [result for result in results if isinstance(result, Exception)]
    assert sum(result.started for result in results) == 1
    assert {result.task.generation for result in results} == {2}
    with db_engine.connect() as connection:
        generations = connection.scalar(
            select(func.count(func.distinct(TaskStageState.generation))).where(
                TaskStageState.task_id == task.id
            )
        )
    assert generations == 2


def test_stop_of_an_older_generation_changes_nothing(
    queue_service: QueueService, task_service: TaskService, pipeline_state: PipelineState, db_engine: Engine
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(pipeline_state, task.id)
    task_service.rerun(task.id)
    before = snapshot(db_engine)
    late = task_service.stop(task.id, generation=1)
    assert (late.changed, late.task.status, late.task.generation) == (False, TaskStatus.QUEUED, 2)
    assert snapshot(db_engine) == before
    current = task_service.stop(task.id, generation=2)
    assert (current.changed, current.task.status) == (True, TaskStatus.CANCELED)


def test_rerun_of_a_canceled_task_reuses_completed_stages_whose_files_exist(
    queue_service: QueueService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    tmp_path: Any,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    story, scene, audio = tmp_path / "story.json", tmp_path / "scene_00.png", tmp_path / "narration.wav"
    for path in (story, scene):
        path.write_bytes(b"x")
    finish_stages(
        pipeline_state,
        task.id,
        ["script", "images", "video"],
        contents={
            "script": [ContentRecord(kind="script", path=str(story))],
            "images": [ContentRecord(kind="image", path=str(scene))],
            "video": [ContentRecord(kind="video", path=str(audio))],  # file gone: not reusable
        },
    )
    task_service.stop(task.id)
    result = task_service.rerun(task.id)
    assert (result.started, result.task.generation) == (True, 2)
    assert _states(task_service, task.id) == [
        ("script", StageStatus.COMPLETED),
        ("images", StageStatus.COMPLETED),
        ("video", StageStatus.WAITING),
        ("thumbnail", StageStatus.WAITING),
        ("youtube_video", StageStatus.WAITING),
    ]
    assert sorted(c.path for c in task_service.contents(task.id, generation=2)) == sorted(
        [str(story), str(scene)]
    )
    assert [item.stage for item in pipeline_state.launchable(task_service.now(), 10)] == ["video"]
    skipped = task_service.logs(task.id, action="skip")
    assert sorted(log.stage for log in skipped) == ["images", "script"]

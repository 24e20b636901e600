"""Sensors evaluated with build_sensor_context against a real app DB (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from media_pipeline.orchestration import rescue as rescue_module
from media_pipeline.orchestration.rescue import LostRun, rescue
from media_pipeline.orchestration.run_control import DagsterRunControl
from media_pipeline.orchestration.schedules import cleanup_drafts_job
from media_pipeline.orchestration.sensors import (
    queued_tasks_sensor,
    run_status_writer_sensor,
    stage_chain_sensor,
)
from media_pipeline.orchestration.tags import (
    ATTEMPT_TAG,
    GENERATION_TAG,
    PRIORITY_TAG,
    RUN_KEY_TAG,
    STAGE_TAG,
    TASK_TAG,
)
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, QueueService, TaskService
from media_pipeline_tests.conftest import FakeClock
from media_pipeline_tests.orchestration.sensor_support import app_db_resource, tick
from media_pipeline_tests.store.support import finish_stages, stage_state

OWNER = Owner(user_id="u1", workspace_id="w1")
pytestmark = pytest.mark.usefixtures("no_long_poll")


def _queue(db_url: str, count: int, owner: Owner = OWNER) -> list[str]:
    queue = QueueService(db_url, owner, settings=Settings())
    version = queue.get_or_create_default_queue().version
    added = queue.add_assets([f"asset-{i}" for i in range(count)], None, version)
    result = queue.run(added.version)
    return [task.id for task in result.queued]


def test_queued_tasks_become_first_stage_runs_with_partitions(db_url, pipeline, instance) -> None:
    task_ids = _queue(db_url, 3)
    result, _ = tick(queued_tasks_sensor, instance, pipeline)

    assert [r.job_name for r in result.run_requests] == ["script_job"] * 3
    assert [r.partition_key for r in result.run_requests] == task_ids
    assert [r.run_key for r in result.run_requests] == [f"{t}:1:script:0" for t in task_ids]
    assert result.run_requests[0].tags[STAGE_TAG] == "script"
    assert result.run_requests[0].tags[GENERATION_TAG] == "1"
    [add] = result.dynamic_partitions_requests
    assert sorted(add.partition_keys) == sorted(task_ids)
    # the chaining sensor has nothing to do until a first stage completes
    chained, _ = tick(stage_chain_sensor, instance, pipeline)
    assert chained.run_requests == []


def test_run_requests_take_turns_between_workspaces_and_carry_the_priority(
    db_url, pipeline, instance
) -> None:
    flood = _queue(db_url, 3)
    (small,) = _queue(db_url, 1, Owner(user_id="u2", workspace_id="w2"))
    result, _ = tick(queued_tasks_sensor, instance, pipeline)
    requested = [(r.partition_key, r.tags[PRIORITY_TAG]) for r in result.run_requests]
    assert requested == [(flood[0], "0"), (small, "0"), (flood[1], "-1"), (flood[2], "-2")]


def test_run_requests_per_tick_are_bounded(db_url, pipeline, instance, entry_point_env, tmp_path) -> None:
    entry_point_env.set(sensor_max_runs_per_tick=2)  # the sensors' resource reads it
    _queue(db_url, 5)
    result, _ = tick(queued_tasks_sensor, instance, app_db_resource(db_url, tmp_path))
    assert len(result.run_requests) == 2


def test_waiting_runs_do_not_block_another_workspaces_ready_stage(
    db_url, instance, entry_point_env, tmp_path
) -> None:
    """Head-of-line blocking: more stages than one tick's limit wait for their slot with a run each; the
    ready stage of a workspace queued after them is requested in the next tick."""
    entry_point_env.set(sensor_max_runs_per_tick=2)  # the sensors' resource reads it
    state = PipelineState(db_url)
    for index in range(5):
        (task_id,) = _queue(db_url, 1, Owner(user_id=f"u{index}", workspace_id=f"w{index}"))
        finish_stages(state, task_id, ["script", "images"])
        create_run_for_test(instance, job_name="video_job", tags={RUN_KEY_TAG: f"{task_id}:1:video:0"})
    (small,) = _queue(db_url, 1, Owner(user_id="u-b", workspace_id="w-b"))
    finish_stages(state, small, ["script"])

    result, _ = tick(stage_chain_sensor, instance, app_db_resource(db_url, tmp_path))
    assert [r.run_key for r in result.run_requests] == [f"{small}:1:images:0"]


def test_chain_tick_long_polls_until_a_stage_without_run_appears(
    db_url, pipeline, instance, entry_point_env, monkeypatch, tmp_path
) -> None:
    """A tick that starts with nothing new waits and returns as soon as a stage completes."""
    entry_point_env.set(sensor_long_poll_s=60)
    launched_task, waiting_task = _queue(db_url, 2)
    state = PipelineState(db_url)
    for task_id in (launched_task, waiting_task):
        assert state.stage_started(task_id, 1, "script", f"run-{task_id}")
    assert state.stage_completed(launched_task, 1, "script", f"run-{launched_task}", [])
    # the images run of the first task exists already (queued behind the stage limit)
    create_run_for_test(instance, job_name="images_job", tags={RUN_KEY_TAG: f"{launched_task}:1:images:0"})

    first_query = threading.Event()
    original = PipelineState.launchable

    def observed(self, now, limit):
        items = original(self, now, limit)
        first_query.set()
        return items

    monkeypatch.setattr(PipelineState, "launchable", observed)
    results: list[dg.SensorResult] = []
    thread = threading.Thread(
        target=lambda: results.append(
            tick(stage_chain_sensor, instance, app_db_resource(db_url, tmp_path))[0]
        )
    )
    started = time.monotonic()
    thread.start()
    assert first_query.wait(timeout=30)
    assert results == [], "the tick must keep waiting: its only launchable stage already has a run"
    assert state.stage_completed(waiting_task, 1, "script", f"run-{waiting_task}", [])
    thread.join(timeout=30)
    assert time.monotonic() - started < 30
    [result] = results
    # the stage that has a run already is not requested again
    assert [r.partition_key for r in result.run_requests] == [waiting_task]


def test_chain_sensor_launches_next_stage_and_skips_stopped(db_url, pipeline, instance) -> None:
    first, second = _queue(db_url, 2)
    state = PipelineState(db_url)
    for task_id in (first, second):
        assert state.stage_started(task_id, 1, "script", f"run-{task_id}")
        assert state.stage_completed(task_id, 1, "script", f"run-{task_id}", [])
    TaskService(db_url, OWNER, settings=Settings()).stop(second, DagsterRunControl(instance))

    result, _ = tick(stage_chain_sensor, instance, pipeline)
    assert [(r.job_name, r.partition_key, r.run_key) for r in result.run_requests] == [
        ("images_job", first, f"{first}:1:images:0")
    ]


def test_status_writer_records_failed_and_canceled_runs(db_url, pipeline, instance) -> None:
    failed_task, canceled_task, ok_task = _queue(db_url, 3)
    state = PipelineState(db_url)
    runs = {}
    for task_id, status in (
        (failed_task, dg.DagsterRunStatus.FAILURE),
        (canceled_task, dg.DagsterRunStatus.CANCELED),
        (ok_task, dg.DagsterRunStatus.SUCCESS),
    ):
        tags = {STAGE_TAG: "script", TASK_TAG: task_id, GENERATION_TAG: "1", ATTEMPT_TAG: "0"}
        run = create_run_for_test(instance, job_name="script_job", tags=tags, status=status)
        assert state.stage_started(task_id, 1, "script", run.run_id)
        runs[task_id] = run.run_id

    result, context = tick(run_status_writer_sensor, instance, pipeline)
    assert "recorded 3" in str(result.skip_message)
    tasks = TaskService(db_url, OWNER, settings=Settings())
    # a worker that died without reporting is treated as transient: the stage waits for a retry
    failed = stage_state(state.engine, failed_task, 1, "script")
    assert failed.status == "waiting" and failed.attempt == 1
    assert tasks.get(canceled_task).status == "canceled"
    assert stage_state(state.engine, ok_task, 1, "script").status == "completed"
    # a second tick with the saved cursor changes nothing
    again, _ = tick(run_status_writer_sensor, instance, pipeline, cursor=context.cursor)
    assert stage_state(state.engine, failed_task, 1, "script").attempt == 1
    assert again is not None


def test_a_rescue_records_its_reason_before_the_stalled_worker_can_report_the_kill(
    db_url, pipeline, instance, monkeypatch
) -> None:
    """A stalled worker is alive: killing its ffmpeg wakes it and it reports the kill as its own failure.
    The rescue's reason is on record before any process is signalled, so that report counts nothing and
    the retry names the stall."""
    (task_id,) = _queue(db_url, 1)
    state = PipelineState(db_url)
    tags = {STAGE_TAG: "script", TASK_TAG: task_id, GENERATION_TAG: "1", ATTEMPT_TAG: "0"}
    run = create_run_for_test(instance, job_name="script_job", tags=tags, status=dg.DagsterRunStatus.STARTED)
    assert state.stage_started(task_id, 1, "script", run.run_id, attempt=0)
    worker_reports: list[bool] = []

    def kill_and_let_the_worker_report(beat: object) -> list[int]:
        error = "ProcessFailed: ffmpeg exited with status -9: (no stderr output)"
        worker_reports.append(state.stage_failed(task_id, 1, "script", run.run_id, error, True, attempt=0))
        return [4242]

    monkeypatch.setattr(rescue_module, "end_run_processes", kill_and_let_the_worker_report)
    reason = "stalled: no progress for 16 s (stall limit 15 s, worker 4242 on here)"
    assert rescue(instance, pipeline, LostRun(run, None, reason)) == [4242]

    assert worker_reports == [False]
    [retry] = TaskService(db_url, OWNER, settings=Settings()).logs(task_id, action="retry")
    assert retry.message == f"rescued: {reason}"
    assert stage_state(state.engine, task_id, 1, "script").attempt == 1  # one attempt used, not two
    finished = instance.get_run_by_id(run.run_id)
    assert finished is not None and finished.status == dg.DagsterRunStatus.FAILURE


def test_cleanup_schedule_job_removes_expired_drafts(db_url, pipeline) -> None:
    fresh = QueueService(db_url, OWNER, settings=Settings())
    fresh.add_assets(["fresh"], None, fresh.get_or_create_default_queue().version)
    old = QueueService(
        db_url, OWNER, settings=Settings(), clock=FakeClock(datetime.now(UTC) - timedelta(days=31))
    )
    old.add_assets(["stale"], None, old.get_or_create_default_queue().version)  # expired a day ago

    result = cleanup_drafts_job.execute_in_process(resources={"app_db": pipeline})
    assert result.output_for_node("cleanup_expired_drafts") == 1
    assert [t.asset_id for t in fresh.list_drafts().tasks] == ["fresh"]

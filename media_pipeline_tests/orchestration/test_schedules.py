"""The repeats schedule evaluated with build_schedule_context against a real app DB (SQLite and PostgreSQL):
each due occurrence is queued once and launched once, by the schedule or (its tick lost) the queue sensor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from dagster._core.test_utils import create_run_for_test

from media_pipeline.orchestration.partitions import task_partitions
from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.orchestration.schedules import task_repeats_schedule
from media_pipeline.orchestration.sensors import queued_tasks_sensor
from media_pipeline.orchestration.tags import RUN_KEY_TAG
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, QueueService, ScheduleService, TaskService
from media_pipeline.store.housekeeping import REPEAT_HOLD, Housekeeping
from media_pipeline_tests.conftest import FakeClock
from media_pipeline_tests.orchestration.sensor_support import tick

OWNER = Owner(user_id="u1", workspace_id="w1")
pytestmark = pytest.mark.usefixtures("no_long_poll")


def _daily_repeats(db_url: str, count: int) -> list[str]:
    """``count`` tasks with a daily repeat whose first occurrence was yesterday (due now), scheduled."""
    past = FakeClock(datetime.now(UTC) - timedelta(days=2))
    queue = QueueService(db_url, OWNER, settings=Settings(), clock=past)
    added = queue.add_assets(
        [f"repeat-{i}" for i in range(count)], None, queue.get_or_create_default_queue().version
    )
    for task_id in added.created_ids:
        ScheduleService(db_url, OWNER, clock=past).create(task_id, past() + timedelta(days=1), repeat="daily")
    assert len(queue.run(queue.get_or_create_default_queue().version).scheduled) == count
    return added.created_ids


def _evaluate(
    instance: dg.DagsterInstance, pipeline: AppDbResource, at: datetime
) -> list[dg.RunRequest] | dg.SkipReason:
    """One evaluation of the repeats schedule for the tick at ``at``."""
    with dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, resources={"app_db": pipeline}
    ) as context:
        return task_repeats_schedule(context)


def _minute() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


def test_no_repeat_due_is_a_skip(db_url, pipeline, instance) -> None:
    assert _evaluate(instance, pipeline, _minute()) == dg.SkipReason("no repeat due")


def test_a_due_repeat_is_queued_once_and_launched_by_the_schedule_only(db_url, pipeline, instance) -> None:
    [task_id] = _daily_repeats(db_url, 1)
    at = _minute()

    [request] = _evaluate(instance, pipeline, at)
    assert (request.job_name, request.partition_key, request.run_key) == (
        "script_job",
        task_id,
        f"{task_id}:1:script:0",
    )
    assert instance.has_dynamic_partition(task_partitions.name, task_id)
    assert TaskService(db_url, OWNER, settings=Settings()).get(task_id).generation == 1
    # the queue sensor leaves the held first stage to the schedule
    assert tick(queued_tasks_sensor, instance, pipeline)[0].run_requests == []

    # the same tick again (daemon restarted mid-tick): nothing new queued, the same run named
    assert [r.run_key for r in _evaluate(instance, pipeline, at)] == [request.run_key]
    assert TaskService(db_url, OWNER, settings=Settings()).get(task_id).generation == 1

    # once the schedule's run exists, neither the next tick nor the queue sensor requests it again
    create_run_for_test(instance, job_name="script_job", tags={RUN_KEY_TAG: request.run_key})
    assert _evaluate(instance, pipeline, at + timedelta(minutes=1)) == dg.SkipReason("no repeat due")
    assert tick(queued_tasks_sensor, instance, pipeline)[0].run_requests == []


def test_a_lost_schedule_tick_is_launched_by_the_queue_sensor_once(db_url, pipeline, instance) -> None:
    lost, launched = _daily_repeats(db_url, 2)
    # both queued by a tick whose hold has ended; the schedule's run of one of them exists (not started)
    long_ago = FakeClock(datetime.now(UTC) - REPEAT_HOLD - timedelta(seconds=1))
    assert Housekeeping(db_url, settings=Settings(), clock=long_ago).queue_due_repeats(_minute()).queued == 2
    create_run_for_test(instance, job_name="script_job", tags={RUN_KEY_TAG: f"{launched}:1:script:0"})

    result, _ = tick(queued_tasks_sensor, instance, pipeline)
    assert [r.run_key for r in result.run_requests] == [f"{lost}:1:script:0"]
    # the schedule no longer names runs whose hold ended
    assert _evaluate(instance, pipeline, _minute() + timedelta(minutes=1)) == dg.SkipReason("no repeat due")

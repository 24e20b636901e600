"""Schedules: scheduled time, repeats advancing after each generation, due occurrences (invariant 7)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from media_pipeline.errors import PermanentError
from media_pipeline.store import (
    ConflictError,
    ContentRecord,
    Housekeeping,
    LaunchItem,
    NotFoundError,
    Owner,
    PipelineState,
    QueueService,
    ScheduleService,
    TaskService,
    TaskStatus,
    ValidationFailed,
)
from media_pipeline.store.channels import ChannelService
from media_pipeline.store.housekeeping import REPEAT_HOLD
from media_pipeline_tests.store.support import add_drafts, finish_stages, queue_tasks, snapshot


def test_a_future_scheduled_time_waits(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    at = clock() + timedelta(hours=2)
    schedule = schedule_service.create(task.id, at, privacy="unlisted")
    assert (schedule.next_run_at, schedule.privacy) == (at, "unlisted")
    result = queue_service.run(queue_service.list_drafts().version)
    assert (result.queued, [t.id for t in result.scheduled]) == ([], [task.id])
    assert task_service.get(task.id).generation == 0
    assert housekeeping.queue_due_repeats(clock()).queued == 0
    assert pipeline_state.launchable(clock(), 10) == []
    clock.set(at)
    assert housekeeping.queue_due_repeats(clock()).queued == 1
    again = housekeeping.queue_due_repeats(clock())  # idempotent: names the same launch
    assert (again.due, again.queued, again.launches) == (0, 0, [LaunchItem(task.id, 1, "script", 0)])
    assert pipeline_state.launchable(clock(), 10) == []  # held for the repeats schedule...
    assert pipeline_state.launchable(clock() + REPEAT_HOLD, 10) == [LaunchItem(task.id, 1, "script", 0)]
    # a retry waiting out a long Retry-After is not the schedule's: it never skips the delay
    assert pipeline_state.stage_started(task.id, 1, "script", "run-0")
    assert pipeline_state.stage_failed(task.id, 1, "script", "run-0", "429", True, retry_after_s=3600)
    assert housekeeping.queue_due_repeats(clock()).launches == []
    clock.advance(3600)
    finish_stages(pipeline_state, task.id)
    assert task_service.get(task.id).status is TaskStatus.SUCCEEDED
    (after,) = schedule_service.list(task.id)
    assert (after.is_active, after.next_run_at, after.last_run_at, after.last_generation) == (
        False,
        None,
        at,
        1,
    )


def test_a_due_schedule_is_queued_by_run_itself(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule_service.create(task.id, clock() - timedelta(minutes=1), repeat="daily")
    assert housekeeping.queue_due_repeats(clock()).queued == 0  # drafts wait for Run
    (queued,) = queue_service.run(queue_service.list_drafts().version).queued
    assert queued.generation == 1
    assert housekeeping.queue_due_repeats(clock()).queued == 0  # that occurrence is taken
    (schedule,) = schedule_service.list(task.id)
    assert (schedule.next_run_at, schedule.last_generation) == (None, 1)


def test_a_daily_repeat_queues_one_generation_per_day(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    first = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
    schedule_service.create(task.id, first, repeat="daily", time_zone="Asia/Seoul")
    queue_service.run(queue_service.list_drafts().version)
    for day in range(3):
        clock.set(first + timedelta(days=day))
        assert housekeeping.queue_due_repeats(clock()).queued == 1
        clock.advance(600)
        assert housekeeping.queue_due_repeats(clock()).queued == 0  # in flight: next_run_at waits for the end
        finish_stages(pipeline_state, task.id, generation=day + 1)
        (schedule,) = schedule_service.list(task.id)
        assert schedule.next_run_at == first + timedelta(days=day + 1)
    assert task_service.get(task.id).generation == 3
    assert len(task_service.logs(task.id, action="schedule")) == 1 + 1 + 3  # create, scheduled, 3 occurrences


def test_a_failed_generation_still_advances_the_repeat(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule_service.create(task.id, clock(), repeat="weekly")
    queue_service.run(queue_service.list_drafts().version)
    pipeline_state.stage_failed(task.id, 1, "script", "r1", "bad settings", transient=False)
    (schedule,) = schedule_service.list(task.id)
    assert schedule.next_run_at == clock() + timedelta(days=7)
    clock.advance(timedelta(days=7).total_seconds())
    assert housekeeping.queue_due_repeats(clock()).queued == 1
    assert pipeline_state.launchable(clock() + REPEAT_HOLD, 10) == [LaunchItem(task.id, 2, "script", 0)]


def test_a_schedule_on_a_finished_task_starts_a_new_generation(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = queue_tasks(queue_service, 1)
    finish_stages(
        pipeline_state,
        task.id,
        contents={"youtube_video": [ContentRecord(kind="publish", url="u")]},
    )
    schedule_service.create(task.id, clock() + timedelta(minutes=5))
    clock.advance(300)
    assert housekeeping.queue_due_repeats(clock()).queued == 1
    regenerated = task_service.get(task.id)
    assert (regenerated.status, regenerated.generation, regenerated.youtube_url) == (
        TaskStatus.QUEUED,
        2,
        None,
    )
    assert [item.generation for item in pipeline_state.launchable(clock() + REPEAT_HOLD, 10)] == [2]


def test_deleting_the_schedule_of_a_scheduled_task_cancels_it(
    queue_service: QueueService, schedule_service: ScheduleService, task_service: TaskService, clock: Any
) -> None:
    waiting, draft = add_drafts(queue_service, 2)
    first = schedule_service.create(waiting.id, clock() + timedelta(days=1))
    queue_service.run(queue_service.list_drafts().version, ids=[waiting.id])
    schedule_service.delete(first.id)
    assert task_service.get(waiting.id).status is TaskStatus.CANCELED
    second = schedule_service.create(draft.id, clock() + timedelta(days=1))
    schedule_service.delete(second.id)
    assert task_service.get(draft.id).status is TaskStatus.DRAFT
    assert schedule_service.list() == []


def test_update_recomputes_the_next_run(
    queue_service: QueueService, schedule_service: ScheduleService, task_service: TaskService, clock: Any
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule = schedule_service.create(task.id, datetime(2030, 1, 7, 8, tzinfo=UTC), repeat="daily")  # Monday
    updated = schedule_service.update(schedule.id, repeat="weekly", repeatConfig={"weekdays": [2]})
    assert updated.next_run_at == datetime(2030, 1, 9, 8, tzinfo=UTC)
    assert updated.repeat_config == {"weekdays": [2]}
    assert schedule_service.get(schedule.id) == updated
    queue_service.run(queue_service.list_drafts().version)
    turned_off = schedule_service.update(schedule.id, is_active=False)
    assert (turned_off.is_active, turned_off.next_run_at) == (False, None)
    assert task_service.get(task.id).status is TaskStatus.CANCELED  # nothing left to wait for


def test_one_active_schedule_per_task_and_validation(
    queue_service: QueueService, schedule_service: ScheduleService, db_engine: Engine, clock: Any
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule_service.create(task.id, clock())
    before = snapshot(db_engine)
    with pytest.raises(ConflictError, match="active schedule"):
        schedule_service.create(task.id, clock())
    with pytest.raises(ValidationFailed) as caught:
        schedule_service.create(
            task.id,
            datetime(2030, 1, 1),
            repeat="hourly",
            time_zone="Mars/Base",
            repeat_config={"weekdays": [9]},
            privacy="secret",
        )
    assert {error["field"] for error in caught.value.errors} == {
        "scheduledTime",
        "repeat",
        "timeZone",
        "repeatConfig.weekdays.0",
        "privacy",
    }
    assert snapshot(db_engine) == before


def test_stopping_a_task_deactivates_its_schedules(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    task_service: TaskService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule_service.create(task.id, clock(), repeat="daily")
    queue_service.run(queue_service.list_drafts().version)
    task_service.stop(task.id)
    (schedule,) = schedule_service.list(task.id)
    assert schedule.is_active is False
    clock.advance(timedelta(days=2).total_seconds())
    assert housekeeping.queue_due_repeats(clock()).queued == 0
    with pytest.raises(ConflictError):
        schedule_service.create(task.id, clock())


def test_schedules_are_scoped_by_owner(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    make_service: Callable[..., Any],
    other_owner: Owner,
    clock: Any,
) -> None:
    (task,) = add_drafts(queue_service, 1)
    schedule = schedule_service.create(task.id, clock())
    theirs: ScheduleService = make_service(ScheduleService, other_owner)
    for call in (
        lambda: theirs.create(task.id, clock()),
        lambda: theirs.get(schedule.id),
        lambda: theirs.update(schedule.id, repeat="daily"),
        lambda: theirs.delete(schedule.id),
        lambda: theirs.list(task.id),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert theirs.list() == []


def test_schedule_youtube_settings_apply_to_the_generation_it_starts(
    make_service: Callable[..., Any],
    owner: Owner,
    queue_service: QueueService,
    schedule_service: ScheduleService,
    pipeline_state: PipelineState,
    housekeeping: Housekeeping,
    clock: Any,
) -> None:
    channels = make_service(ChannelService, owner)
    first, second = channels.create("Main"), channels.create("Shorts", "UCshorts")
    assert [channel.name for channel in channels.list()] == ["Main", "Shorts"]
    assert not first.authorized
    theirs = make_service(ChannelService, Owner("user-3", "another-workspace")).create("Theirs")
    (task,) = add_drafts(queue_service, 1, {"privacy": "public", "channelSettingId": first.id})
    at, publish_at = clock() + timedelta(hours=1), clock() + timedelta(days=2)
    with pytest.raises(ValidationFailed) as refused:
        schedule_service.create(task.id, at, channel_setting_id=theirs.id)
    assert refused.value.errors[0]["field"] == "channelSettingId"
    schedule_service.create(
        task.id, at, privacy="unlisted", publish_at=publish_at, channel_setting_id=second.id
    )
    queue_service.run(queue_service.list_drafts().version)
    before = pipeline_state.task_spec(task.id).settings  # no generation started by the schedule yet
    assert (before.privacy.value, before.channel_setting_id) == ("public", first.id)
    clock.set(at)
    assert housekeeping.queue_due_repeats(clock()).queued == 1
    spec = pipeline_state.task_spec(task.id).settings
    assert (spec.privacy.value, spec.publish_at, spec.channel_setting_id) == (
        "unlisted",
        publish_at,
        second.id,
    )
    assert pipeline_state.publish_channel(task.id, second.id) == second.id
    with pytest.raises(PermanentError, match="not found"):
        pipeline_state.publish_channel(task.id, theirs.id)

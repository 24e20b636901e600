"""Integration: a real dagster-daemon's repeats schedule queues a due daily repeat at its tick, the tick
names the run it started, and the task is published once (not launched again by the queue sensor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.scheduler.instigation import InstigatorType, TickStatus

from media_pipeline.orchestration.tags import STAGE_TAG, TASK_TAG
from media_pipeline.store import QueueService, ScheduleService, TaskService
from media_pipeline.store.credits import CreditAdmin
from media_pipeline_tests.orchestration.daemon import OWNER, SMALL, app_db_url, prepared_home, running_daemon
from media_pipeline_tests.serving import wait_for

pytestmark = pytest.mark.slow


def _next_minute(margin: timedelta = timedelta(seconds=20)) -> datetime:
    """The next whole minute at least ``margin`` away (the daemon needs a moment to start)."""
    return (datetime.now(UTC) + margin).replace(second=0, microsecond=0) + timedelta(minutes=1)


def _repeats_ticks(instance: dg.DagsterInstance) -> list:
    [state] = [
        s
        for s in instance.all_instigator_state(instigator_type=InstigatorType.SCHEDULE)
        if s.name == "task_repeats_schedule"
    ]
    return instance.get_ticks(state.instigator_origin_id, state.selector_id)


def test_the_schedule_tick_queues_a_daily_repeat_and_names_its_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    home = prepared_home("sqlite", tmp_path, monkeypatch, request)
    url = app_db_url(home)
    CreditAdmin(url).grant(OWNER.workspace_id, 100)
    queue = QueueService(url, OWNER, settings=home.settings())
    [task_id] = queue.add_assets(["daily"], SMALL, queue.get_or_create_default_queue().version).created_ids
    at = _next_minute()
    ScheduleService(url, OWNER).create(task_id, at, repeat="daily")
    assert [t.id for t in queue.run(queue.get_or_create_default_queue().version).scheduled] == [task_id]
    tasks = TaskService(url, OWNER, settings=home.settings())

    with running_daemon(home):
        task = wait_for(
            lambda: (row := tasks.get(task_id)).status in ("succeeded", "failed") and row,
            timeout=420,
            what="the repeat's generation to finish",
        )
        assert task.status == "succeeded", task.last_error
        instance = dg.DagsterInstance.get()
        runs = wait_for(
            lambda: (
                (rs := instance.get_runs(dg.RunsFilter(tags={TASK_TAG: task_id})))
                and all(r.is_finished for r in rs)
                and rs
            ),
            timeout=60,
            what="the task's stage runs to end",
        )

    assert task.generation == 1
    [script_run] = [r for r in runs if r.tags[STAGE_TAG] == "script"]  # launched once, by the schedule
    assert script_run.tags["dagster/schedule_name"] == "task_repeats_schedule"
    assert script_run.tags["dagster/run_key"] == f"{task_id}:1:script:0"
    started = [t for t in _repeats_ticks(instance) if t.run_ids]
    assert [(t.status, t.run_ids) for t in started] == [(TickStatus.SUCCESS, [script_run.run_id])]
    assert started[0].timestamp >= at.timestamp()
    assert sorted(r.tags[STAGE_TAG] for r in runs) == sorted(
        ["script", "images", "video", "thumbnail", "youtube_video"]
    )
    assert len(tasks.contents(task_id, kind="publish", generation=1)) == 1
    assert len(list((home.data_dir / "storage" / "published" / task_id).glob("*.mp4"))) == 1

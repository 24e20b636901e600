"""The publish stage (the ``youtube_video`` asset, Dagster in-process) with the real state machine: a
platform's rate limit reschedules the stage for the reset time without using its automatic retries
(docs/ARCHITECTURE.md §4, retry policy; §10, publications)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.store import (
    STAGES,
    LaunchItem,
    LogAction,
    PipelineState,
    TaskService,
)
from media_pipeline.store.clock import utcnow
from media_pipeline_tests.conftest import EntryPointEnv, FakeClock
from media_pipeline_tests.orchestration.stage_run_support import queued_stage_run
from media_pipeline_tests.publishing.support import (
    ALL_TARGETS,
    OWNER,
    World,
    at_the_publish_stage,
    open_world,
)
from media_pipeline_tests.serving import wait_for
from media_pipeline_tests.store.support import stage_state

PUBLISH = STAGES[-1]


@pytest.fixture
def world(tmp_path: Path, db_url: str, s3_bucket: str, mp4: Path, clock: FakeClock) -> Iterator[World]:
    with open_world(tmp_path, db_url, f"s3://{s3_bucket}/media", mp4, clock) as opened:
        yield opened


def _await_launch(state: PipelineState, item: LaunchItem) -> None:
    """Wait until the dispatch sensors would launch ``item`` (its reset time has come)."""
    wait_for(lambda: item in state.launchable(utcnow(), 10), timeout=30, what=f"{item} launchable")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_three_tiktok_rate_limits_then_success_leave_the_stage_retries_untouched(
    world: World, entry_point_env: EntryPointEnv
) -> None:
    # The run's Dagster resources read the environment.
    settings = entry_point_env.set(**world.overrides, app_db_url=world.db_url)
    state = at_the_publish_stage(world, settings)
    task_id = world.task.task_id
    world.tiktok.rate_limited_inits, world.tiktok.rate_limit_retry_after = 3, "0.5"

    with dg.instance_for_test() as instance:
        for attempt in range(3):
            _await_launch(state, LaunchItem(task_id, 1, PUBLISH, attempt))
            assert not queued_stage_run(settings, instance, task_id, PUBLISH, attempt)
            deferred = stage_state(world.db_url, task_id, 1, PUBLISH)
            assert deferred is not None
            assert (deferred.status, deferred.attempt, deferred.auto_retries) == ("waiting", attempt + 1, 0)
            assert "publishing deferred (tiktok)" in (deferred.error or "")
        _await_launch(state, LaunchItem(task_id, 1, PUBLISH, 3))
        assert queued_stage_run(settings, instance, task_id, PUBLISH, 3)

    tasks = TaskService(world.db_url, OWNER, settings=settings)
    assert tasks.get(task_id).status == "succeeded"
    done = stage_state(world.db_url, task_id, 1, PUBLISH)
    assert done is not None and (done.status, done.auto_retries) == ("completed", 0)
    assert len(tasks.logs(task_id, action=LogAction.SCHEDULE, stage=PUBLISH)) == 3
    assert tasks.logs(task_id, action=LogAction.RETRY, stage=PUBLISH) == []
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)  # YouTube and Instagram were not sent again
    assert {pub.status for pub in world.publications().values()} == {PublicationStatus.PUBLISHED}

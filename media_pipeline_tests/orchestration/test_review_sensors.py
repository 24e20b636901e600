"""The stage chain sensor and reviews (SQLite and PostgreSQL): a task waiting for its storyboard review gets
no video run and holds no slot, while another task's video launches; the approval makes the video
launchable on the next tick."""

from __future__ import annotations

import dagster as dg
import pytest

from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.orchestration.sensors import stage_chain_sensor
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, QueueService, TaskStatus
from media_pipeline.store.review_models import ReviewKind
from media_pipeline.store.reviews import ReviewService
from media_pipeline_tests.orchestration.sensor_support import tick

OWNER = Owner(user_id="u1", workspace_id="w1")
pytestmark = pytest.mark.usefixtures("no_long_poll")


def _video_runs(instance: dg.DagsterInstance, pipeline: AppDbResource) -> list[tuple[str, str]]:
    result, _ = tick(stage_chain_sensor, instance, pipeline)
    return [(request.job_name, request.partition_key) for request in result.run_requests]


def test_a_task_in_review_gets_no_video_run_until_approved(
    db_url: str, pipeline: AppDbResource, instance: dg.DagsterInstance
) -> None:
    queue = QueueService(db_url, OWNER, settings=Settings())
    version = queue.get_or_create_default_queue().version
    reviewed = queue.add_assets(["reviewed"], {"review": {"storyboard": True}}, version)
    plain = queue.add_assets(["plain"], None, reviewed.version)
    tasks = {task.asset_id: task.id for task in queue.run(plain.version).queued}
    state = PipelineState(db_url)
    for task_id in tasks.values():
        for stage in ("script", "images"):
            assert state.stage_started(task_id, 1, stage, f"run-{task_id}-{stage}")
            assert state.stage_completed(task_id, 1, stage, f"run-{task_id}-{stage}", [])

    assert _video_runs(instance, pipeline) == [("video_job", tasks["plain"])]
    reviews = ReviewService(db_url, OWNER)
    assert reviews.state(tasks["reviewed"]).status is TaskStatus.REVIEW
    assert _video_runs(instance, pipeline) == [("video_job", tasks["plain"])]  # still nothing for it

    reviews.approve(tasks["reviewed"], ReviewKind.STORYBOARD)
    assert sorted(_video_runs(instance, pipeline)) == sorted(
        [("video_job", tasks["plain"]), ("video_job", tasks["reviewed"])]
    )

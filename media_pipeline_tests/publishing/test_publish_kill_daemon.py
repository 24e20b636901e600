"""kill -9 of the run worker right after the TikTok or Instagram publish call, through the real
``dagster-daemon`` (docs/ARCHITECTURE.md §10, publications; §4, rescue): the lost run is recorded as one
transient failure (rescue or the status writer, whichever sees it first), the retry policy runs the publish
stage again, which resumes from the publication record, and the video is
posted exactly once."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.store import ChannelService, QueueService, TaskService
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore
from media_pipeline.store.publications import Publications
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline_tests.conftest import FakeClock
from media_pipeline_tests.orchestration.daemon import (
    SMALL,
    DaemonHome,
    app_db_url,
    prepared_home,
    running_daemon,
)
from media_pipeline_tests.orchestration.run_support import stage_state, task_ended
from media_pipeline_tests.publishing.support import OWNER, World, open_world
from media_pipeline_tests.s3server import S3Server
from media_pipeline_tests.serving import wait_for

pytestmark = pytest.mark.slow

PUBLISH = "youtube_video"


@pytest.fixture
def daemon_world(
    tmp_path: Path,
    s3: S3Server,
    s3_bucket: str,
    mp4: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[tuple[World, DaemonHome]]:
    """The publishing fakes and a channel on the daemon's app DB and S3 storage, and the daemon's home."""
    storage = {
        **s3.env(),
        "MEDIA_PIPELINE_STORAGE_S3_PATH_STYLE": "true",
        "MEDIA_PIPELINE_STORAGE_ROOT": str(tmp_path / "empty-root"),
        "MEDIA_PIPELINE_SCRATCH_DIR": str(tmp_path / "scratch"),
    }
    home = prepared_home("sqlite", tmp_path, monkeypatch, request, **storage)
    clock = FakeClock(datetime.now(UTC))  # the tokens' expiry, read by the daemon's real clock
    with open_world(tmp_path, app_db_url(home), f"s3://{s3_bucket}/media", mp4, clock) as world:
        home.env.update(
            {f"MEDIA_PIPELINE_{name.upper()}": str(value) for name, value in world.overrides.items()}
        )
        yield world, home


def _publish_worker(tasks: TaskService, heartbeats: HeartbeatStore, task_id: str) -> Heartbeat | None:
    """The heartbeat of the publish stage's current run."""
    state = stage_state(tasks, task_id, PUBLISH)
    return heartbeats.get(state.run_id) if state.status == "processing" and state.run_id else None


@pytest.mark.parametrize("target", [PublishTarget.TIKTOK, PublishTarget.INSTAGRAM], ids=str)
def test_a_run_worker_killed_after_the_publish_call_is_rescued_and_posts_once(
    daemon_world: tuple[World, DaemonHome], target: PublishTarget
) -> None:
    world, home = daemon_world
    settings = world.settings
    ChannelService(world.db_url, OWNER, token_file=settings.channel_token_file).set_default(world.channel_id)
    PublishConnections(world.db_url).set_targets(world.channel_id, [target])
    queue = QueueService(world.db_url, OWNER, settings=settings)
    added = queue.add_assets(["killed"], SMALL, queue.get_or_create_default_queue().version)
    [task] = [row for row in queue.run(added.version, ids=[added.tasks[0].id]).queued]
    tasks, heartbeats = TaskService(world.db_url, OWNER, settings=settings), HeartbeatStore(world.db_url)
    hold = world.holds[target]
    hold.armed = True

    with running_daemon(home) as daemon:
        assert wait_for(hold.posted.is_set, timeout=300, what="the publish call", process=daemon)
        beat = wait_for(lambda: _publish_worker(tasks, heartbeats, task.id), timeout=30, what="its worker")
        os.kill(beat.worker.worker.pid, signal.SIGKILL)
        hold.release.set()
        ended = task_ended(tasks, task.id, daemon, timeout=240)

    assert ended.status == "succeeded", ended.last_error
    assert world.posts()[target] == 1
    [publication] = Publications(world.db_url).for_task(task.id)
    assert publication.target is target
    assert publication.status is PublicationStatus.PUBLISHED and publication.url
    [retry] = tasks.logs(task.id, action="retry", stage=PUBLISH)
    assert "worker" in retry.message  # one transient failure: rescued, or the run's worker lost
    assert stage_state(tasks, task.id, PUBLISH).attempt == 1

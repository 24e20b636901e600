"""Unattended operation through a real dagster-daemon: killed workers and process trees are rescued, the
retry policy runs exactly, stop works with the code server down and never touches another task."""

from __future__ import annotations

import os
import signal
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.media.probe import check_video, summarize
from media_pipeline.store import Owner, QueueService, StageStateView, TaskService, upgrade_db
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore
from media_pipeline_tests.orchestration.daemon import (
    DaemonHome,
    app_db_url,
    ffmpeg_for,
    make_home,
    running_daemon,
    stop_group,
    use_postgres,
    wait_for,
)

pytestmark = pytest.mark.slow

OWNER = Owner(user_id="u1", workspace_id="w1")
SMALL = {"language": "en", "imageCount": 2, "targetDurationS": 4, "renderHeight": 240, "fps": 10}
LONG = {"language": "en", "imageCount": 3, "targetDurationS": 40, "renderHeight": 480, "fps": 24}
"""Long enough that its render is still running when the test kills it (a few seconds on 2 cores)."""


def queue_assets(url: str, assets: list[str], options: dict) -> list[str]:
    """Add one draft per asset and run them; returns the task ids in queue order."""
    queue = QueueService(url, OWNER)
    added = queue.add_assets(assets, options, queue.get_or_create_default_queue().version)
    return [task.id for task in queue.run(added.version).queued]


def _home(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> DaemonHome:
    home = make_home(tmp_path)
    if backend == "postgres":
        server = request.getfixturevalue("postgres_server")
        suffix = tmp_path.name.replace("-", "_").lower()
        use_postgres(
            home, server.create_database(f"app_{suffix}"), server.create_database(f"dagster_{suffix}")
        )
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    upgrade_db(app_db_url(home))
    return home


def _stage(tasks: TaskService, task_id: str, stage: str) -> StageStateView:
    return next(state for state in tasks.progress(task_id).stages if state.stage == stage)


def _rendering(tasks: TaskService, heartbeats: HeartbeatStore, task_id: str) -> Heartbeat | None:
    """The video run's heartbeat once it records a running ffmpeg of the segment render."""
    video = _stage(tasks, task_id, "video")
    if video.status != "processing" or video.run_id is None:
        return None
    beat = heartbeats.get(video.run_id)
    rendering = "rendering" in (tasks.progress(task_id).message or "")
    return beat if beat is not None and beat.worker.children and rendering else None


def _assert_published_once(home: DaemonHome, tasks: TaskService, task_id: str, height: int, fps: int) -> None:
    """Succeeded with one publish record and one published copy, a valid output and no temp file left."""
    assert tasks.get(task_id).status == "succeeded", tasks.get(task_id).last_error
    generation = tasks.get(task_id).generation
    assert len(tasks.contents(task_id, kind="publish", generation=generation)) == 1
    published = home.data_dir / "storage" / "published" / task_id
    assert len(list(published.glob("*.mp4"))) == 1
    video = Path(tasks.contents(task_id, kind="video", generation=generation)[0].path)
    summary = summarize(video)
    assert check_video(summary, width=summary.width, height=height, fps=fps) == []
    storage = home.data_dir / "storage"
    assert [p for p in storage.rglob("*") if ".tmp" in p.name] == []


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_killed_run_worker_is_rescued_and_the_task_publishes_once(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    home = _home(backend, tmp_path, monkeypatch, request)
    url = app_db_url(home)
    [task_id] = queue_assets(url, ["long"], LONG)
    tasks, heartbeats = TaskService(url, OWNER), HeartbeatStore(url)

    with running_daemon(home):
        beat = wait_for(lambda: _rendering(tasks, heartbeats, task_id), timeout=240, what="the render to run")
        killed_at = datetime.now(UTC)
        os.kill(beat.worker.worker.pid, signal.SIGKILL)
        retried = wait_for(
            lambda: (s := _stage(tasks, task_id, "video")).attempt == 1 and s.started_at is not None and s,
            timeout=120,
            what="the next video attempt to start",
        )
        detection_to_retry = (retried.started_at - killed_at).total_seconds()
        wait_for(
            lambda: tasks.get(task_id).status in ("succeeded", "failed", "canceled"),
            timeout=300,
            what="the task to finish",
        )
        assert [child for child in beat.worker.children if child.is_running()] == []
        wait_for(lambda: not ffmpeg_for(home.data_dir), timeout=15, what="no ffmpeg left")
        instance = dg.DagsterInstance.get()
        killed_run = instance.get_run_by_id(beat.worker.run_id)
        assert killed_run.status == dg.DagsterRunStatus.FAILURE

    _assert_published_once(home, tasks, task_id, height=480, fps=24)
    [retry] = tasks.logs(task_id, action="retry")  # one transient attempt: worker lost
    assert "worker" in retry.message and (retry.stage, retry.metadata["delaySeconds"]) == ("video", 5)
    print(f"\n{backend}: worker kill -> next attempt running: {detection_to_retry:.1f} s")


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_after_a_whole_tree_kill_the_stuck_stage_is_rescued_on_restart(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """kill -9 of daemon, code server and run worker mid-render (ffmpeg, in its own session, survives):
    after the restart the stuck video run is rescued, the task publishes once and the next task runs."""
    home = _home(backend, tmp_path, monkeypatch, request)
    url = app_db_url(home)
    first, second = queue_assets(url, ["long", "next"], LONG)
    tasks, heartbeats = TaskService(url, OWNER), HeartbeatStore(url)

    with running_daemon(home) as daemon:
        beat = wait_for(lambda: _rendering(tasks, heartbeats, first), timeout=240, what="the render to run")
        stop_group(daemon, signal.SIGKILL)
    instance = dg.DagsterInstance.get()
    assert instance.get_run_by_id(beat.worker.run_id).status == dg.DagsterRunStatus.STARTED  # stuck

    restarted_at = datetime.now(UTC)
    with running_daemon(home):
        retried = wait_for(
            lambda: (s := _stage(tasks, first, "video")).attempt == 1 and s.started_at is not None and s,
            timeout=120,
            what="the rescued video stage to run again",
        )
        wait_for(lambda: tasks.get(first).status == "succeeded", timeout=180, what="the task to publish")
        published_at = datetime.now(UTC)
        assert [child for child in beat.worker.children if child.is_running()] == []
        wait_for(
            lambda: tasks.get(second).status == "succeeded", timeout=240, what="the next task to publish"
        )
        assert instance.get_run_by_id(beat.worker.run_id).status == dg.DagsterRunStatus.FAILURE
        wait_for(lambda: not ffmpeg_for(home.data_dir), timeout=15, what="no ffmpeg left")

    _assert_published_once(home, tasks, first, height=480, fps=24)
    _assert_published_once(home, tasks, second, height=480, fps=24)
    [retry] = tasks.logs(first, action="retry")
    assert retry.message.startswith("rescued: ") and "exited" in retry.message
    to_retry = (retried.started_at - restarted_at).total_seconds()
    to_publish = (published_at - restarted_at).total_seconds()
    print(
        f"\n{backend}: restart -> rescued stage running again {to_retry:.1f} s, published {to_publish:.1f} s"
    )

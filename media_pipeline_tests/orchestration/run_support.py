"""Shared checks of daemon tests (reliability, liveness, outages): one small queued task and its end, a
stage's state, a running render's heartbeat and "published exactly once"."""

from __future__ import annotations

import subprocess
from pathlib import Path

from media_pipeline.media.probe import check_video, summarize
from media_pipeline.store import StageStateView, TaskService, TaskView
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore
from media_pipeline_tests.orchestration.daemon import OWNER, SMALL, DaemonHome, app_db_url, queue_assets
from media_pipeline_tests.serving import wait_for

LONG = {"language": "en", "imageCount": 3, "targetDurationS": 40, "renderHeight": 480, "fps": 24}
"""Long enough that its render is still running when the test kills it (a few seconds on 2 cores)."""


def one_small_task(home: DaemonHome) -> tuple[str, TaskService]:
    """One small task queued on ``home``'s app DB, and its owner's task service."""
    url = app_db_url(home)
    (task_id,) = queue_assets(home, ["a1"], SMALL)
    return task_id, TaskService(url, OWNER, settings=home.settings())


def task_ended(tasks: TaskService, task_id: str, daemon: subprocess.Popen, timeout: float) -> TaskView:
    """The task once it has ended (fails after ``timeout`` s, or at once if the daemon exits)."""
    return wait_for(
        lambda: (row := tasks.get(task_id)).status in ("succeeded", "failed", "canceled") and row,
        timeout=timeout,
        what="the task to finish",
        process=daemon,
    )


def stage_state(tasks: TaskService, task_id: str, stage: str) -> StageStateView:
    """The task's state of ``stage``."""
    return next(state for state in tasks.progress(task_id).stages if state.stage == stage)


def attempt_started(tasks: TaskService, task_id: str, stage: str, attempt: int) -> StageStateView | None:
    """The stage's state once its attempt ``attempt`` (0-based) has started."""
    state = stage_state(tasks, task_id, stage)
    return state if state.attempt == attempt and state.started_at is not None else None


def rendering(tasks: TaskService, heartbeats: HeartbeatStore, task_id: str) -> Heartbeat | None:
    """The video run's heartbeat once it records a running ffmpeg of the segment render."""
    video = stage_state(tasks, task_id, "video")
    if video.status != "processing" or video.run_id is None:
        return None
    beat = heartbeats.get(video.run_id)
    busy = "rendering" in (tasks.progress(task_id).message or "")
    return beat if beat is not None and beat.worker.children and busy else None


def finished(tasks: TaskService, task_ids: list[str]) -> bool:
    """True once every task has ended (succeeded, failed or canceled)."""
    return all(tasks.get(task_id).status in ("succeeded", "failed", "canceled") for task_id in task_ids)


def assert_published_once(
    home: DaemonHome, tasks: TaskService, task_id: str, height: int, fps: int, storage: Path | None = None
) -> None:
    """Succeeded with one publish record and one published copy, a valid output and no temp file left
    (``storage``: the local storage root, by default ``<data dir>/storage``)."""
    assert tasks.get(task_id).status == "succeeded", tasks.get(task_id).last_error
    generation = tasks.get(task_id).generation
    assert len(tasks.contents(task_id, kind="publish", generation=generation)) == 1
    storage = storage or home.data_dir / "storage"
    published = storage / "published" / task_id
    assert len(list(published.glob("*.mp4"))) == 1
    video = storage / tasks.contents(task_id, kind="video", generation=generation)[0].path  # a storage key
    summary = summarize(video)
    assert check_video(summary, width=summary.width, height=height, fps=fps) == []
    assert [p for p in storage.rglob("*") if ".tmp" in p.name] == []

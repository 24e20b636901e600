"""Progress-based liveness through a real dagster-daemon (docs/ARCHITECTURE.md, liveness): a frozen run
worker (SIGSTOP of it, its helpers and its ffmpeg) is rescued like a dead one, a stalled ffmpeg (its worker
still beating) is ended at its stage's stall limit; each time only the run's own processes end, none is left
stopped, the retry policy runs the stage again and the task publishes once, within a bound."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from media_pipeline.processes import ProcessRef, child_processes
from media_pipeline.store import TaskService
from media_pipeline.store.heartbeats import HeartbeatStore
from media_pipeline_tests.orchestration.daemon import (
    OWNER,
    app_db_url,
    code_server_pid,
    ffmpeg_for,
    prepared_home,
    queue_assets,
    running_daemon,
    wait_for,
)
from media_pipeline_tests.orchestration.run_support import (
    LONG,
    assert_published_once,
    attempt_started,
    rendering,
)

pytestmark = pytest.mark.slow

HEARTBEAT_TIMEOUT_S = 10
VIDEO_STALL_LIMIT_S = 15
LIVENESS_ENV = {
    "MEDIA_PIPELINE_HEARTBEAT_INTERVAL_S": "1",
    "MEDIA_PIPELINE_HEARTBEAT_TIMEOUT_S": str(HEARTBEAT_TIMEOUT_S),
    "MEDIA_PIPELINE_STALL_LIMITS_S": f'{{"video": {VIDEO_STALL_LIMIT_S}}}',
}
SLACK_S = 30
"""Detection (rescue sensor every 5 s), the first retry delay (5 s) and launching the next run."""


def _state(ref: ProcessRef) -> str | None:
    """The /proc state letter of a recorded process (None once it has ended)."""
    if not ref.is_running():
        return None
    try:
        with open(f"/proc/{ref.pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def _stop_groups(groups: Iterable[ProcessRef]) -> list[ProcessRef]:
    """SIGSTOP each recorded child group still running; the ones stopped (a short step may have ended
    between the heartbeat and now)."""
    stopped = []
    for ref in groups:
        try:
            os.killpg(ref.pid, signal.SIGSTOP)
        except ProcessLookupError:
            continue
        stopped.append(ref)
    return stopped


def _run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest, freeze_worker: bool
) -> tuple[str, float]:
    """Freeze a running render (the whole worker tree, or only its ffmpeg), then wait for the retried task
    to publish; returns the retry message and the seconds from freezing to the next attempt's start."""
    home = prepared_home("sqlite", tmp_path, monkeypatch, request, **LIVENESS_ENV)
    url = app_db_url(home)
    [task_id] = queue_assets(home, ["frozen"], LONG)
    tasks, heartbeats = TaskService(url, OWNER, settings=home.settings()), HeartbeatStore(url)

    with running_daemon(home) as daemon:
        beat = wait_for(lambda: rendering(tasks, heartbeats, task_id), timeout=240, what="the render to run")
        server = code_server_pid(daemon)
        worker = beat.worker.worker
        helpers = [ref for ref in child_processes(worker.pid) if ref not in beat.worker.children]
        assert helpers, "the run worker has Dagster's compute-log helpers (tail -F, watch_orphans)"
        groups = _stop_groups(beat.worker.children)
        while not groups and not freeze_worker:  # the recorded step ended meanwhile: take the next one
            beat = wait_for(lambda: rendering(tasks, heartbeats, task_id), timeout=240, what="the render")
            groups = _stop_groups(beat.worker.children)
        frozen = [*groups, *helpers, worker] if freeze_worker else groups
        if freeze_worker:
            for ref in [*helpers, worker]:
                os.kill(ref.pid, signal.SIGSTOP)
        frozen_at = datetime.now(UTC)
        bound = (HEARTBEAT_TIMEOUT_S if freeze_worker else VIDEO_STALL_LIMIT_S) + SLACK_S
        retried = wait_for(
            lambda: attempt_started(tasks, task_id, "video", 1), timeout=bound, what="the next video attempt"
        )
        to_retry = (retried.started_at - frozen_at).total_seconds()
        assert to_retry <= bound, to_retry
        # The run's own processes end, none is left stopped; the daemon and its code server go on.
        wait_for(
            lambda: all(_state(ref) is None for ref in [*frozen, *helpers, worker]),
            timeout=10,
            what="every process of the frozen run to end",
        )
        assert daemon.poll() is None and server is not None and code_server_pid(daemon) == server
        wait_for(lambda: tasks.get(task_id).status == "succeeded", timeout=240, what="the task to publish")
        wait_for(lambda: not ffmpeg_for(home.data_dir), timeout=15, what="no ffmpeg left")

    assert_published_once(home, tasks, task_id, height=480, fps=24)
    [retry] = tasks.logs(task_id, action="retry")
    assert (retry.stage, retry.metadata["delaySeconds"]) == ("video", 5)
    return retry.message, to_retry


def test_a_frozen_run_worker_is_rescued_like_a_dead_one_and_no_helper_stays_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    message, to_retry = _run(tmp_path, monkeypatch, request, freeze_worker=True)
    assert message.startswith("rescued: no heartbeat for "), message
    print(f"\nfrozen worker -> next attempt running: {to_retry:.1f} s")


def test_a_stalled_ffmpeg_ends_its_run_at_the_stall_limit_though_the_worker_beats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    message, to_retry = _run(tmp_path, monkeypatch, request, freeze_worker=False)
    assert message.startswith("rescued: stalled: no progress for "), message
    assert to_retry >= VIDEO_STALL_LIMIT_S  # never before the limit
    print(f"\nstalled ffmpeg -> next attempt running: {to_retry:.1f} s")

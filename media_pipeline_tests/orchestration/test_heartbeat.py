"""Run heartbeats with real processes: children recorded at once, leftovers ended by process group only,
and when a worker counts as lost."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from datetime import UTC, datetime, timedelta

import pytest

from media_pipeline.liveness import ProgressMark, moved
from media_pipeline.media.process import ProcessCancelled, run_process
from media_pipeline.orchestration.heartbeat import heartbeat, this_host, this_worker
from media_pipeline.orchestration.leftovers import end_abandoned_run
from media_pipeline.orchestration.rescue import Limits, lost_reason
from media_pipeline.processes import ProcessRef
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, QueueService
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore, RunWorker
from media_pipeline_tests.media.proctools import ended, live_group_members
from media_pipeline_tests.serving import wait_for
from media_pipeline_tests.store.support import queue_tasks


def _task(db_url: str) -> str:
    (task,) = queue_tasks(QueueService(db_url, Owner(user_id="u", workspace_id="w"), settings=Settings()), 1)
    return task.id


def test_the_heartbeat_records_a_child_group_as_soon_as_it_starts(db_url: str) -> None:
    store = HeartbeatStore(db_url)
    task_id = _task(db_url)
    seen: list[list[int]] = []
    cancel = threading.Event()

    def on_line(line: str) -> None:
        beat = wait_for(
            lambda: (b := store.get("run-1")) is not None and b.worker.children and b,
            timeout=10,
            what="the child in the heartbeat",
        )
        seen.append([child.pid for child in beat.worker.children])
        cancel.set()

    command = ["sh", "-c", "echo started; exec sleep 30"]
    with heartbeat(store, ("run-1", task_id, 1, "video"), interval_s=3600), pytest.raises(ProcessCancelled):
        run_process(command, on_line=on_line, cancel=cancel)
    assert len(seen) == 1 and len(seen[0]) == 1
    final = store.get("run-1")
    assert final is not None and final.ended_at is not None and final.worker.children == ()
    assert (final.worker.host, final.worker.worker.pid) == (this_host(), os.getpid())


def test_an_abandoned_runs_recorded_group_is_killed_and_a_reused_pid_is_not(db_url: str) -> None:
    store = HeartbeatStore(db_url)
    task_id = _task(db_url)
    orphan = subprocess.Popen(["sh", "-c", "sleep 60 & wait"], start_new_session=True)
    bystander = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        orphan_ref = ProcessRef.of(orphan.pid)
        bystander_ref = ProcessRef.of(bystander.pid)
        assert orphan_ref is not None and bystander_ref is not None
        stale_ref = ProcessRef(bystander.pid, bystander_ref.start - 1)  # same pid, another process
        pid_fd = os.pidfd_open(orphan.pid)
        worker = ProcessRef(2**22 + 7, 1)  # a worker that no longer exists
        store.beat(RunWorker("lost", task_id, 1, "video", this_host(), worker, (orphan_ref, stale_ref)))
        assert end_abandoned_run(store, "lost") == [orphan.pid]
        assert ended(pid_fd) and live_group_members(orphan.pid) == []
        assert bystander.poll() is None
        assert end_abandoned_run(store, "lost") == []  # closed: nothing twice
        os.close(pid_fd)
    finally:
        for process in (orphan, bystander):
            process.kill()
            process.wait()


def _beat(
    host: str,
    pid: int,
    start: int,
    beat_at: datetime,
    ended_at: datetime | None = None,
    progressed_at: datetime | None = None,
) -> Heartbeat:
    worker = RunWorker("r", "t", 1, "video", host, ProcessRef(pid, start), progress=ProgressMark(7, "ffmpeg"))
    moved_at = progressed_at or beat_at
    return Heartbeat(worker, started_at=moved_at, beat_at=beat_at, ended_at=ended_at, progressed_at=moved_at)


LIMITS = Limits(heartbeat_timeout_s=45, stall_limit_s={"video": 60, "script": 600}.__getitem__)


def test_when_a_worker_counts_as_lost() -> None:
    now = datetime.now(UTC)
    me = ProcessRef.of(os.getpid())
    assert me is not None
    fresh, old = now - timedelta(seconds=3), now - timedelta(seconds=50)
    assert lost_reason(_beat(this_host(), me.pid, me.start, fresh), fresh, now, LIMITS) is None
    exited = lost_reason(_beat(this_host(), me.pid, me.start + 1, fresh), fresh, now, LIMITS)
    assert exited is not None and "exited" in exited
    assert lost_reason(_beat("other-host", 1, 1, fresh), fresh, now, LIMITS) is None  # cannot check its pid
    stale = lost_reason(_beat("other-host", 1, 1, old), old, now, LIMITS)
    assert stale is not None and "no heartbeat for 50 s" in stale
    finished = _beat(this_host(), me.pid, me.start + 1, fresh, ended_at=fresh)  # worker exiting normally
    assert lost_reason(finished, fresh, now, LIMITS) is None
    assert lost_reason(None, now - timedelta(seconds=10), now, LIMITS) is None
    assert "no heartbeat" in (lost_reason(None, old, now, LIMITS) or "")


def test_a_beating_worker_whose_progress_stands_still_past_its_stage_limit_is_stalled() -> None:
    now = datetime.now(UTC)
    fresh = now - timedelta(seconds=3)
    moving = _beat("other-host", 1, 1, fresh, progressed_at=now - timedelta(seconds=59))
    assert lost_reason(moving, fresh, now, LIMITS) is None
    still = _beat("other-host", 1, 1, fresh, progressed_at=now - timedelta(seconds=61))
    reason = lost_reason(still, fresh, now, LIMITS)
    assert reason is not None and reason.startswith("stalled: no progress for 61 s (stall limit 60 s")
    assert "last: ffmpeg" in reason
    ended_ = _beat("other-host", 1, 1, fresh, ended_at=fresh, progressed_at=now - timedelta(seconds=61))
    assert lost_reason(ended_, fresh, now, LIMITS) is None  # its stage code returned: not stalled


def test_the_heartbeat_records_progress_moves_and_when_they_last_happened(db_url: str) -> None:
    store = HeartbeatStore(db_url)
    task_id = _task(db_url)
    run = ("run-p", task_id, 1, "video")
    with heartbeat(store, run, interval_s=3600):
        first = store.get("run-p")
        assert first is not None and first.progressed_at == first.started_at
        store.beat(this_worker(run))  # nothing moved: progressed_at stays
        same = store.get("run-p")
        assert same is not None and same.progressed_at == first.progressed_at and same.beat_at > first.beat_at
        moved("ffmpeg out_time 3.0 s")
        store.beat(this_worker(run))
        later = store.get("run-p")
        assert later is not None and later.progressed_at == later.beat_at > first.progressed_at
        assert later.worker.progress.note == "ffmpeg out_time 3.0 s"


def test_a_frozen_workers_helper_processes_are_recorded_and_killed_by_pid(db_url: str) -> None:
    """Helpers (like Dagster's compute-log ``tail -F``) share the worker's group: killed one by one, even
    when stopped, and never the group they share with a bystander."""
    store = HeartbeatStore(db_url)
    task_id = _task(db_url)
    helper = subprocess.Popen(["tail", "-F", "/dev/null"])  # this process's child, in its process group
    bystander = None
    try:
        os.kill(helper.pid, signal.SIGSTOP)
        pid_fd = os.pidfd_open(helper.pid)
        run = ("run-h", task_id, 1, "video")
        worker = this_worker(run)
        assert ProcessRef.of(helper.pid) in worker.helpers
        bystander = subprocess.Popen(["sleep", "60"])  # started later: same group, not recorded
        # Record only the helper: the test process's other children (the suite's database and storage
        # servers) are helpers of this "worker" too and must not be killed.
        lost = RunWorker(*run, this_host(), ProcessRef(2**22 + 9, 1), helpers=(ProcessRef.of(helper.pid),))
        store.beat(lost)  # as the worker recorded it before it died
        assert end_abandoned_run(store, "run-h") == [helper.pid]
        assert ended(pid_fd)
        assert bystander.poll() is None
        os.close(pid_fd)
    finally:
        for process in (helper, bystander):
            if process is not None:
                process.kill()
                process.wait()

"""Ends what a lost or stopped run left running on this host, from its heartbeat record: the worker process,
the process groups it started and its helper processes (Dagster's compute-log ``tail -F`` and
``watch_orphans``, which would otherwise stay stopped forever after a SIGSTOP). Never by name; a pid reused
by another process is left alone."""

from __future__ import annotations

from media_pipeline.orchestration.heartbeat import this_host
from media_pipeline.processes import child_processes
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore


def end_run_processes(beat: Heartbeat | None) -> list[int]:
    """SIGKILL the run's recorded worker, child process groups and helpers (recorded, or children of the
    worker now) if they run on this host; returns the pids signalled. The worker and its helpers share the
    code server's group, so they are killed one by one, never by group."""
    if beat is None or beat.worker.host != this_host():
        return []
    run = beat.worker
    killed = [child.pid for child in run.children if child.kill_group()]
    helpers = set(run.helpers) | (set(child_processes(run.worker.pid)) if run.worker.is_running() else set())
    if run.worker.kill():
        killed.append(run.worker.pid)
    killed += [helper.pid for helper in sorted(helpers, key=lambda ref: ref.pid) if helper.kill()]
    return killed


def end_abandoned_run(heartbeats: HeartbeatStore, run_id: str) -> list[int]:
    """For a run that has ended: if its worker never finished the stage code (killed, crashed), end what
    it left running on this host and close its heartbeat; returns the pids signalled."""
    beat = heartbeats.get(run_id)
    if beat is None or beat.ended_at is not None:
        return []
    killed = end_run_processes(beat)
    heartbeats.end(run_id)
    return killed

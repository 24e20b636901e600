"""Ends what a lost or stopped run left running on this host, from its heartbeat record: the worker process
and the process groups it started. Never by name; a pid reused by another process is left alone."""

from __future__ import annotations

from media_pipeline.orchestration.heartbeat import this_host
from media_pipeline.store.heartbeats import Heartbeat, HeartbeatStore


def end_run_processes(beat: Heartbeat | None) -> list[int]:
    """SIGKILL the run's recorded worker and child process groups if they run on this host; returns the
    pids signalled (the worker shares its code server's group, so only the worker itself is killed)."""
    if beat is None or beat.worker.host != this_host():
        return []
    killed = [child.pid for child in beat.worker.children if child.kill_group()]
    if beat.worker.worker.kill():
        killed.append(beat.worker.worker.pid)
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

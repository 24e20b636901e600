"""Terminates Dagster runs for the task service's stop (queued runs leave the queue, started ones end).

Stop always works: when the run's worker or code server cannot be reached (or does not know the run), the
run's processes on this host are ended from its heartbeat record and the run is marked canceled in the
instance directly, which frees its stage's run slot at once.
"""

from __future__ import annotations

import logging

import dagster as dg

from media_pipeline.orchestration.leftovers import end_run_processes
from media_pipeline.store.heartbeats import HeartbeatStore

logger = logging.getLogger(__name__)


class DagsterRunControl:
    """``RunControl`` over a Dagster instance: the run coordinator cancels or the launcher terminates;
    ``heartbeats`` (the app DB) locates a run's processes when the launcher cannot reach them."""

    def __init__(self, instance: dg.DagsterInstance, heartbeats: HeartbeatStore | None = None) -> None:
        self.instance = instance
        self.heartbeats = heartbeats

    def terminate(self, run_id: str) -> bool:
        """Stop one run; True if it was stopped or is being stopped. Only that run's processes are ended."""
        run = self.instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        try:
            if self.instance.run_coordinator.cancel_run(run_id):
                return True
            problem = "the code server does not know the run"
        except Exception as exc:  # e.g. gRPC UNAVAILABLE: the code server is down
            problem = f"the code server cannot be reached ({type(exc).__name__}: {exc})"
        killed = end_run_processes(None if self.heartbeats is None else self.heartbeats.get(run_id))
        logger.warning("run %s: %s; marking it canceled (killed pids %s)", run_id, problem, killed)
        current = self.instance.get_run_by_id(run_id)
        if current is not None and not current.is_finished:
            self.instance.report_run_canceled(current, message=f"canceled by media_pipeline stop: {problem}")
        return True

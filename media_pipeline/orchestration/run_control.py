"""Terminates Dagster runs for the task service's stop (queued runs leave the queue, started ones end)."""

from __future__ import annotations

import dagster as dg


class DagsterRunControl:
    """``RunControl`` over a Dagster instance: the run coordinator cancels or the launcher terminates."""

    def __init__(self, instance: dg.DagsterInstance) -> None:
        self.instance = instance

    def terminate(self, run_id: str) -> bool:
        """Stop one run; True if Dagster accepted the request. Only that run's process (group) is ended."""
        run = self.instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        return self.instance.run_coordinator.cancel_run(run_id)

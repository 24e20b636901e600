"""How the store asks the orchestrator to stop a run (implemented over Dagster by the orchestration layer)."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class RunControl(Protocol):
    """Terminates orchestrator runs by id."""

    def terminate(self, run_id: str) -> bool:
        """Ask the run ``run_id`` to stop; True if the request was accepted."""
        ...

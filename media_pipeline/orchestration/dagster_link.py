"""The optional link to the Dagster instance used by the API and the CLI: run termination for stop/cancel
and the health check.

Dagster is imported only when ``DAGSTER_HOME`` is set (the instance is then created once, lazily); without
it runs use an ephemeral instance that cannot be reached, so stop only updates the app DB.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from media_pipeline.store.run_control import RunControl

logger = logging.getLogger(__name__)


class DagsterLink:
    """Lazily created ``DagsterInstance`` shared by run control and health checks (thread-safe)."""

    def __init__(self, app_db_url: str) -> None:
        self._app_db_url = app_db_url  # where run control finds the runs' recorded process groups
        self._lock = threading.Lock()
        self._instance: Any = None

    @staticmethod
    def configured() -> bool:
        """True if ``DAGSTER_HOME`` points the API at a persistent instance."""
        return bool(os.environ.get("DAGSTER_HOME"))

    def instance(self) -> Any:
        """The ``DagsterInstance`` (None if not configured); raises if it cannot be loaded."""
        if not self.configured():
            return None
        with self._lock:
            if self._instance is None:
                import dagster as dg

                self._instance = dg.DagsterInstance.get()
            return self._instance

    def run_control(self) -> RunControl | None:
        """``DagsterRunControl`` over the instance, or None (not configured or not loadable)."""
        try:
            instance = self.instance()
        except Exception as exc:  # stop still cancels in the app DB; the run ends when it next reports
            logger.warning("Dagster instance unavailable, runs will not be terminated: %s", exc)
            return None
        if instance is None:
            return None
        from media_pipeline.orchestration.run_control import DagsterRunControl
        from media_pipeline.store.heartbeats import HeartbeatStore

        return DagsterRunControl(instance, HeartbeatStore(self._app_db_url))

    def check(self) -> dict[str, Any]:
        """Health of the instance: its run storage answers a query."""
        if not self.configured():
            return {"status": "not_configured", "detail": "DAGSTER_HOME is not set (ephemeral instance)"}
        instance = self.instance()
        instance.get_run_records(limit=1)
        return {"status": "ok", "storage": type(instance.run_storage).__name__}

    def close(self) -> None:
        """Dispose the instance if one was created."""
        with self._lock:
            if self._instance is not None:
                self._instance.dispose()
                self._instance = None

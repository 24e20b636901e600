"""The embedded instance's run launcher: Dagster's default launcher (a run worker started by the code server),
run in the background so that the run queue's pass does not wait for a run worker's start-up
(docs/ARCHITECTURE.md §5, run launcher).

Dagster's run queue launches the runs of one dequeue pass in threads but waits for all of them before its
next pass, and the default launcher returns only once the new run worker has imported Dagster and opened the
instance (~1 CPU-s). A run that became launchable meanwhile (its stage's slot freed, or just queued) waited
for that start-up. Here ``launch_run`` hands the launch to a thread of its own and returns: the run is
already STARTING, and a launch that fails marks the run failed, as the run queue does for an error it
cannot retry.
"""

from __future__ import annotations

import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:
    from dagster._core.launcher import LaunchRunContext
    from dagster._serdes import ConfigurableClassData

LAUNCH_THREADS = 4
"""Launches in flight at once (each waits on the code server until its run worker has started)."""


class BackgroundRunLauncher(dg.DefaultRunLauncher):
    """``DefaultRunLauncher`` whose ``launch_run`` returns at once; the launch runs on a thread pool."""

    def __init__(self, inst_data: ConfigurableClassData | None = None) -> None:
        super().__init__(inst_data=inst_data)
        self._launches = ThreadPoolExecutor(max_workers=LAUNCH_THREADS, thread_name_prefix="run-launch")

    def launch_run(self, context: LaunchRunContext) -> None:
        """Start the run's worker in the background."""
        self._launches.submit(self._launch, context)

    def _launch(self, context: LaunchRunContext) -> None:
        try:
            super().launch_run(context)
        except Exception:
            run = self._instance.get_run_by_id(context.dagster_run.run_id)
            if run is None or run.status not in (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.STARTING):
                return  # its worker reported (it started, or ended) before the launch call gave up
            message = (
                f"The run's worker could not be launched; the run is marked failed.\n{traceback.format_exc()}"
            )
            self._instance.report_engine_event(message, run, cls=self.__class__)
            self._instance.report_run_failed(run)

    def dispose(self) -> None:
        """Wait for the launches in flight, then release the launcher."""
        self._launches.shutdown(wait=True)
        super().dispose()

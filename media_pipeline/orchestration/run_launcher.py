"""The embedded instance's run launcher: each run goes to a spare run worker that has loaded everything ahead,
or else to Dagster's default launcher (a run worker started by the code server), in the background so that
the run queue's pass does not wait for a run worker's start-up (docs/ARCHITECTURE.md §5, run launcher).

Dagster's run queue launches the runs of one dequeue pass in threads but waits for all of them before its
next pass, and the default launcher returns only once the new run worker has imported Dagster and opened the
instance (~1 CPU-s). A run that became launchable meanwhile (its stage's slot freed, or just queued) waited
for that start-up. Here ``launch_run`` hands the launch to a thread of its own and returns: the run is
already STARTING, and a launch that fails marks the run failed, as the run queue does for an error it
cannot retry.

The code server starts each run worker as a fresh interpreter: ~2 s (alone) to 3.4 s (beside other runs) of
imports and loading before the run starts. A spare (``spare_worker``) has done that before the run exists;
the launcher keeps one ready, hands it the run, and starts the next spare off the run's path. The worker is
then the launcher's child: the run's ``media_pipeline/worker`` tag (host, pid, start) tells ``terminate``,
in any process on that host, which process to interrupt.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Self

import dagster as dg

from media_pipeline.orchestration.spare_worker import SpareWorker, newest_code, serves, worker_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from dagster._config import UserConfigSchema
    from dagster._core.launcher import LaunchRunContext
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._serdes import ConfigurableClassData

logger = logging.getLogger(__name__)

LAUNCH_THREADS = 4
"""Launches in flight at once (each waits on the code server until its run worker has started)."""


class BackgroundRunLauncher(dg.DefaultRunLauncher):
    """``DefaultRunLauncher`` whose ``launch_run`` returns at once; the launch runs on a thread pool and goes
    to a spare run worker when one is ready."""

    def __init__(self, inst_data: ConfigurableClassData | None = None, spare_workers: int = 1) -> None:
        super().__init__(inst_data=inst_data)
        self._launches = ThreadPoolExecutor(max_workers=LAUNCH_THREADS, thread_name_prefix="run-launch")
        self._spare_count = spare_workers
        self._spare_lock = threading.Lock()
        self._spares: list[SpareWorker] = []

    @classmethod
    def config_type(cls) -> UserConfigSchema:
        """``spare_workers``: how many spare run workers to keep loaded (0: none, every run via the code
        server)."""
        return {"spare_workers": dg.Field(int, is_required=False, default_value=1)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> Self:
        """The launcher of the instance's ``run_launcher`` block."""
        return cls(inst_data=inst_data, spare_workers=config_value["spare_workers"])

    def launch_run(self, context: LaunchRunContext) -> None:
        """Start the run's worker in the background."""
        self._launches.submit(self._launch, context)

    def _launch(self, context: LaunchRunContext) -> None:
        try:
            if not self._hand_to_spare(context.dagster_run):
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

    def _hand_to_spare(self, run: DagsterRun) -> bool:
        """Give ``run`` to a ready spare and start spares up to ``spare_workers`` again; False (the run is not
        handed over) if the run is not the spares' code or no spare is ready yet."""
        from dagster._serdes import serialize_value

        if not self._spare_count or not serves(run):
            return False
        newest = newest_code()
        with self._spare_lock:
            states = [(spare, spare.state(newest)) for spare in self._spares]
            taken = next((spare for spare, state in states if state == "ready"), None)
            for spare, state in states:
                if state == "ended":
                    spare.release()
            self._spares = [spare for spare, state in states if state != "ended" and spare is not taken]
            ref = serialize_value(self._instance.get_ref())
            while len(self._spares) < self._spare_count:
                try:
                    self._spares.append(SpareWorker(ref))
                except OSError:  # e.g. no memory to fork: this run is still launched, the next spare later
                    logger.warning("could not start a spare run worker", exc_info=True)
                    break
        return taken is not None and taken.hand_over(self._instance, run)

    def terminate(self, run_id: str) -> bool:
        """Stop a run: a spare's run by interrupting its worker (as the code server interrupts its own), any
        other run through the code server. False if neither can reach the run's worker."""
        run = self._instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            return False
        worker = worker_of(run)
        if worker is None:  # not a spare's run (or its hand-over failed and the code server started it)
            return super().terminate(run_id)
        self._instance.report_run_canceling(run)
        os.kill(worker.pid, signal.SIGINT)
        return True

    def dispose(self) -> None:
        """Wait for the launches in flight, release the spare, then the launcher."""
        self._launches.shutdown(wait=True)
        with self._spare_lock:
            for spare in self._spares:
                spare.release()
            self._spares = []
        super().dispose()

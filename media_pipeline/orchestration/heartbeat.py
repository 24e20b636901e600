"""The run worker's heartbeat: a thread that records, every few seconds, that the worker is alive, where it
runs, which process groups (ffmpeg, espeak-ng) and helper processes it has started, and its progress mark
(docs/ARCHITECTURE.md, liveness): a beating thread alone does not make a run alive, moving work does."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from media_pipeline.liveness import current
from media_pipeline.media.process import running_children, watch_children
from media_pipeline.processes import ProcessRef, child_processes
from media_pipeline.store.heartbeats import HeartbeatStore, RunWorker

logger = logging.getLogger(__name__)


def this_host() -> str:
    """The name under which workers record their host (compared by rescue and stop before killing)."""
    return socket.gethostname()


RunIdentity = tuple[str, str, int, str]
"""(run id, task id, generation, stage) of a stage run."""


def this_worker(run: RunIdentity) -> RunWorker:
    """The record of the current process as the worker of ``run``, with its running child groups, its other
    children (Dagster's compute-log helpers) and its progress mark."""
    run_id, task_id, generation, stage = run
    worker = ProcessRef.of(os.getpid())
    assert worker is not None  # the current process exists
    children = tuple(running_children())
    return RunWorker(
        run_id=run_id,
        task_id=task_id,
        generation=generation,
        stage=stage,
        host=this_host(),
        worker=worker,
        children=children,
        helpers=tuple(ref for ref in child_processes(worker.pid) if ref not in children),
        progress=current(),
    )


@contextmanager
def heartbeat(store: HeartbeatStore, run: RunIdentity, interval_s: float) -> Iterator[None]:
    """Beat once now, then every ``interval_s`` and whenever a child process starts or ends, in a daemon
    thread, until the block ends (then mark the run's stage code as ended). A failed beat is logged and
    retried at the next interval."""
    run_id = run[0]
    store.beat(this_worker(run))
    wake, stopped = threading.Event(), threading.Event()

    def beat_until_stopped() -> None:
        while True:
            wake.wait(interval_s)
            wake.clear()
            if stopped.is_set():
                return
            try:
                store.beat(this_worker(run))
            except Exception as exc:  # the DB may be briefly unavailable; the next beat tries again
                logger.warning("heartbeat of run %s failed: %s", run_id, exc)

    watch_children(wake)
    thread = threading.Thread(target=beat_until_stopped, name=f"heartbeat-{run_id[:8]}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        watch_children(wake, stop=True)
        stopped.set()
        wake.set()
        thread.join()
        try:
            store.end(run_id)
        except Exception as exc:  # never hide the stage's own outcome; rescue treats the run as ended late
            logger.warning("could not close the heartbeat of run %s: %s", run_id, exc)

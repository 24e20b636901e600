"""A spare run worker: an interpreter started ahead of need that has imported Dagster, opened the instance and
loaded ``media_pipeline.definitions`` before a run is launched, then executes exactly one run
(docs/ARCHITECTURE.md §5, run launcher).

The launching process starts the spare as its child (:class:`SpareWorker`), in the launcher's process group
(as the code server's run workers are in the code server's), and writes the serialized ``InstanceRef`` of
its instance as the first line of the spare's stdin. Once loaded, the spare says so on a pipe of its own
(:meth:`SpareWorker.state`). The launcher hands it a run by writing Dagster's ``ExecuteRunArgs`` (what
``dagster api execute_run`` takes) as the next line; the spare then does what that command does. End of
input without a run (the launcher released it, or died) ends the spare.

``python -m media_pipeline.orchestration.spare_worker READY_FD`` (the ``InstanceRef`` on stdin)
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from media_pipeline.orchestration.heartbeat import this_host
from media_pipeline.orchestration.tags import WORKER_TAG
from media_pipeline.processes import ProcessRef

if TYPE_CHECKING:
    from dagster import DagsterInstance
    from dagster._core.storage.dagster_run import DagsterRun

CODE_MODULE = "media_pipeline.definitions"
"""The code location a spare loads ahead; runs of other code are launched the default way."""

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def newest_code() -> float:
    """The newest modification time of the package's source files (a spare started before has old code)."""
    return max(path.stat().st_mtime for path in PACKAGE_DIR.rglob("*.py"))


def serves(run: DagsterRun) -> bool:
    """True if a spare can execute ``run``: its job is loaded from :data:`CODE_MODULE` by this interpreter."""
    origin = run.job_code_origin
    if origin is None:
        return False
    pointer = origin.repository_origin.code_pointer
    return origin.executable_path == sys.executable and getattr(pointer, "module", None) == CODE_MODULE


class SpareWorker:
    """One spare interpreter, started at construction for the instance of ``instance_ref`` (serialized)."""

    def __init__(self, instance_ref: str) -> None:
        self.started_at = time.time()
        ready_read, ready_write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(ready_write)],
                stdin=subprocess.PIPE,
                pass_fds=(ready_write,),
            )
        finally:
            os.close(ready_write)
        self._ready = os.fdopen(ready_read, "rb", buffering=0)
        # on its input, not its command line: the instance's configuration may hold a database password
        self._stdin().write(instance_ref.encode() + b"\n")
        self._stdin().flush()
        self._loaded = False
        # the launching process reaps its spare when the spare's run ends (no zombie left behind)
        threading.Thread(target=self.process.wait, name="spare-worker-reaper", daemon=True).start()

    def state(self, newest_code: float) -> Literal["loading", "ready", "ended"]:
        """``ready`` once the spare has loaded everything and still waits for a run; ``ended`` if it exited or
        holds code older than ``newest_code`` (see :func:`newest_code`). Never blocks."""
        if self.process.poll() is not None or newest_code > self.started_at:
            return "ended"
        if not self._loaded and select.select([self._ready], [], [], 0)[0]:
            self._loaded = self._ready.read(1) == b"1"
        return "ready" if self._loaded else "loading"

    def hand_over(self, instance: DagsterInstance, run: DagsterRun) -> bool:
        """Give the spare ``run`` (tagged with the spare's identity, for :func:`worker_of`); False if the
        spare was gone."""
        from dagster._grpc.types import ExecuteRunArgs
        from dagster._serdes import serialize_value

        worker, origin = ProcessRef.of(self.process.pid), run.job_code_origin
        assert origin is not None  # a run of code, as serves() checks
        if worker is None:
            return False
        instance.add_run_tags(run.run_id, {WORKER_TAG: f"{this_host()} {worker.pid} {worker.start}"})
        args = ExecuteRunArgs(job_origin=origin, run_id=run.run_id, instance_ref=instance.get_ref())
        try:
            self._stdin().write(serialize_value(args).encode() + b"\n")
            self._stdin().close()
        except (BrokenPipeError, ValueError):
            return False
        finally:
            self._ready.close()
        return True

    def release(self) -> None:
        """Let an unused spare go: closing its input ends it."""
        self._ready.close()
        with suppress(BrokenPipeError):
            self._stdin().close()

    def _stdin(self) -> IO[bytes]:
        assert self.process.stdin is not None  # started with stdin=PIPE
        return self.process.stdin


def worker_of(run: DagsterRun) -> ProcessRef | None:
    """The running spare worker of ``run`` on this host (from its tag), else None."""
    tag = run.tags.get(WORKER_TAG)
    if tag is None:
        return None
    host, pid, start = tag.rsplit(" ", 2)
    worker = ProcessRef(int(pid), int(start))
    return worker if host == this_host() and worker.is_running() else None


def main(ready_fd: int) -> int:
    """Read the instance's ``InstanceRef`` from stdin, load ahead, say so on ``ready_fd``, wait for one run on
    stdin and execute it; the exit status is the run command's (0 on end of input without a run)."""
    import dagster as dg
    from dagster._cli.api import _execute_run_command_body
    from dagster._core.definitions.reconstruct import ReconstructableRepository
    from dagster._core.instance import InstanceRef
    from dagster._grpc.types import ExecuteRunArgs
    from dagster._serdes import deserialize_value
    from dagster._utils.interrupts import capture_interrupts

    with ExitStack() as stack:
        ref = deserialize_value(sys.stdin.readline(), InstanceRef)
        instance = stack.enter_context(dg.DagsterInstance.from_ref(ref))
        # the code location as a run of it loads it (the module by name, as Dagster's code pointer does)
        ReconstructableRepository.for_module(CODE_MODULE, "defs").get_definition()
        os.write(ready_fd, b"1")
        os.close(ready_fd)
        line = sys.stdin.readline().strip()
        if not line:
            return 0
        with capture_interrupts():
            args = deserialize_value(line, ExecuteRunArgs)
            if args.instance_ref is not None and args.instance_ref != ref:
                instance = stack.enter_context(dg.DagsterInstance.from_ref(args.instance_ref))
            return _execute_run_command_body(
                args.run_id, instance, lambda _event: None, bool(args.set_exit_code_on_failure)
            )


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))

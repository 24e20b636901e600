"""Identity of local processes: a pid plus its start time, so a recorded pid is never taken for a reused one;
and the failures of a child process (``ProcessFailed``, ``ProcessTimedOut``), which the retry policy
classifies without importing the media core (docs/ARCHITECTURE.md §4, retry policy).

Used to record a run worker and its child process groups (heartbeats) and to end them later from another
process (rescue, stop). Only recorded processes are ever signalled, never processes found by name.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

from media_pipeline.errors import PermanentError


class ProcessFailed(PermanentError):
    """A child process exited with a non-zero status (or could not be started)."""

    code = "PROCESS_FAILED"

    def __init__(self, command: str, returncode: int | None, stderr_tail: str) -> None:
        detail = stderr_tail.strip() or "(no stderr output)"
        status = "could not start" if returncode is None else f"exited with status {returncode}"
        super().__init__(f"{command} {status}: {detail}")
        self.command = command
        self.returncode = returncode
        self.stderr_tail = stderr_tail


class ProcessTimedOut(ProcessFailed):
    """A child process ran longer than its timeout and was stopped."""

    code = "PROCESS_TIMEOUT"


@dataclass(frozen=True, slots=True)
class ProcessRef:
    """A process as recorded: ``pid`` and its start time in clock ticks since boot (/proc/<pid>/stat)."""

    pid: int
    start: int

    @classmethod
    def of(cls, pid: int) -> ProcessRef | None:
        """The reference of a running process (None if it does not exist)."""
        start = start_ticks(pid)
        return None if start is None else cls(pid, start)

    def is_running(self) -> bool:
        """True while this very process (not a later one with the same pid) exists and is not a zombie."""
        return start_ticks(self.pid) == self.start

    def kill(self) -> bool:
        """SIGKILL this process if it still runs; True if a signal was sent."""
        return self._signal(os.kill)

    def kill_group(self) -> bool:
        """SIGKILL the process group this process leads, if it still runs; True if a signal was sent."""
        return self._signal(os.killpg)

    def _signal(self, send: Callable[[int, int], None]) -> bool:
        if not self.is_running():
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            send(self.pid, signal.SIGKILL)
            return True
        return False


def child_processes(parent: int) -> list[ProcessRef]:
    """The running processes whose parent is ``parent`` (read from /proc)."""
    children = []
    for entry in os.scandir("/proc"):
        fields = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None and int(fields[1]) == parent and fields[0] not in ("Z", "X"):
            children.append(ProcessRef(int(entry.name), int(fields[19])))
    return children


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def start_ticks(pid: int) -> int | None:
    """Start time of ``pid`` (field 22 of /proc/<pid>/stat); None if it does not exist or is a zombie."""
    fields = _stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])

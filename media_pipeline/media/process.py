"""Run a child process in its own process group, stream its stdout, and stop the whole group on interrupt."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO

from media_pipeline.liveness import moved
from media_pipeline.processes import ProcessFailed, ProcessRef, ProcessTimedOut

STDERR_TAIL_LINES = 40
CHILD_NICENESS = 10
"""CPU priority (``nice``) of every child and its threads (or the caller's, if lower already): media work
(renders, encodes, narration) is throughput work, while sensors, the run queue, a run worker's start-up,
PostgreSQL and the API on the same cores are latency work (docs/ARCHITECTURE.md §5, "Run workers")."""
GRACE_S = 3.0
_POLL_S = 0.2
_EOF = object()

_children: dict[int, ProcessRef] = {}
_children_lock = threading.Lock()
_children_watchers: list[threading.Event] = []


def running_children() -> list[ProcessRef]:
    """The process groups this process started through :func:`run_process` and that still run (each child
    leads its own group); heartbeats record them so a rescuer can end them if this process dies."""
    with _children_lock:
        return list(_children.values())


def watch_children(event: threading.Event, *, stop: bool = False) -> None:
    """Set ``event`` whenever a child starts or ends (so a heartbeat records it at once); ``stop=True``
    removes the watch."""
    with _children_lock:
        if stop:
            _children_watchers.remove(event)
        else:
            _children_watchers.append(event)


def _track(pid: int, child: ProcessRef | None) -> None:
    moved(f"child {pid} {'ended' if child is None else 'started'}")  # a step of the work began or ended
    with _children_lock:
        if child is None:
            _children.pop(pid, None)
        else:
            _children[pid] = child
        for event in _children_watchers:
            event.set()


class _DeadlinePassed(Exception):
    """Internal: the timeout of :func:`run_process` expired."""


class ProcessCancelled(Exception):
    """Raised inside :func:`run_process` when its ``cancel`` event is set; the child group is stopped."""


def _pump(stream: IO[str], sink: Callable[[str], None]) -> None:
    for line in iter(stream.readline, ""):
        sink(line.rstrip("\r\n"))
    stream.close()


def _pump_then_eof(stream: IO[str], lines: queue.Queue[object]) -> None:
    _pump(stream, lines.put)
    lines.put(_EOF)


def _start_thread(target: Callable[..., None], *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def stop_process_group(proc: subprocess.Popen[str], grace_s: float | None = None) -> None:
    """SIGINT the child's process group, wait up to ``grace_s`` (default :data:`GRACE_S`) for the leader,
    then SIGKILL the group.

    Only the group created for ``proc`` (``start_new_session=True``) is signalled, never a process by name.
    """
    pgid = proc.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=GRACE_S if grace_s is None else grace_s)
    # The group may still hold members the leader started; the group id stays reserved while they live.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait()


def _command(proc: subprocess.Popen[str]) -> str:
    """The program name of ``proc`` (``run_process`` always starts it from an argv list)."""
    args = proc.args
    return str(args[0]) if isinstance(args, list) else str(args)


def _wait(
    proc: subprocess.Popen[str],
    lines: queue.Queue[object] | None,
    on_line: Callable[[str], None] | None,
    deadline: float | None,
    cancel: threading.Event | None,
) -> None:
    """Deliver stdout lines to ``on_line`` in this thread until the child exits; raise on timeout/cancel."""
    stdout_open = lines is not None
    while True:
        if cancel is not None and cancel.is_set():
            raise ProcessCancelled(f"{_command(proc)} cancelled")
        wait_s = _POLL_S
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _DeadlinePassed
            wait_s = min(wait_s, remaining)
        if stdout_open:
            assert lines is not None
            try:
                item = lines.get(timeout=wait_s)
            except queue.Empty:
                continue
            if item is _EOF:
                stdout_open = False
            elif on_line is not None:
                on_line(str(item))
            continue
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def run_process(
    cmd: list[str],
    *,
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
    cwd: Path | None = None,
    cancel: threading.Event | None = None,
) -> str:
    """Run ``cmd`` in a new process group at :data:`CHILD_NICENESS` and return the tail of its stderr.

    Stdout lines are passed to ``on_line`` (in the calling thread). A non-zero exit raises
    :class:`ProcessFailed`; exceeding ``timeout`` raises :class:`ProcessTimedOut`. On any exception while
    waiting (KeyboardInterrupt, a Dagster interruption, an error in ``on_line``, ``cancel`` being set) the
    child's group gets SIGINT, then SIGKILL after a grace period, and the exception is re-raised.
    """
    name = Path(cmd[0]).name
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if on_line is not None else subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=cwd,
            start_new_session=True,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        raise ProcessFailed(name, None, str(exc)) from exc
    # the child leads its own group: renice the group (every thread of it; later threads and children
    # inherit) before anything is read from it, never to a higher priority than this process's
    with contextlib.suppress(ProcessLookupError):
        os.setpriority(os.PRIO_PGRP, proc.pid, max(CHILD_NICENESS, os.getpriority(os.PRIO_PROCESS, 0)))
    _track(proc.pid, ProcessRef.of(proc.pid))
    try:
        return _supervise(proc, name, on_line, timeout, cancel)
    finally:
        _track(proc.pid, None)


def _supervise(
    proc: subprocess.Popen[str],
    name: str,
    on_line: Callable[[str], None] | None,
    timeout: float | None,
    cancel: threading.Event | None,
) -> str:
    """Stream, wait for and check one started child (see :func:`run_process`)."""
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)

    lines: queue.Queue[object] | None = None
    readers = [_start_thread(_pump, proc.stderr, tail.append)]
    if proc.stdout is not None:
        lines = queue.Queue()
        readers.append(_start_thread(_pump_then_eof, proc.stdout, lines))

    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        _wait(proc, lines, on_line, deadline, cancel)
    except _DeadlinePassed:
        stop_process_group(proc)
        for reader in readers:
            reader.join()
        raise ProcessTimedOut(
            name, proc.returncode, f"timed out after {timeout} s\n" + "\n".join(tail)
        ) from None
    except BaseException:
        stop_process_group(proc)
        raise
    for reader in readers:
        reader.join()
    stderr_tail = "\n".join(tail)
    if proc.returncode != 0:
        raise ProcessFailed(name, proc.returncode, stderr_tail)
    return stderr_tail

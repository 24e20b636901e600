"""Test helpers that inspect processes through /proc and pidfds (Linux)."""

from __future__ import annotations

import os
import select
from collections.abc import Iterator


def _stats() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, fields after the name) of every process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                head, tail = handle.read().rsplit(")", 1)
        except OSError:
            continue
        yield int(entry), head.split("(", 1)[1], tail.split()


def process_group(pid: int) -> int:
    """Process group id of ``pid``."""
    return next(int(fields[2]) for found, _, fields in _stats() if found == pid)


def live_group_members(pgid: int) -> list[int]:
    """Processes of group ``pgid`` that are not zombies."""
    return [pid for pid, _, fields in _stats() if int(fields[2]) == pgid and fields[0] not in ("Z", "X")]


def children(parent: int, name: str) -> list[tuple[int, str]]:
    """(pid, state) of the direct children of ``parent`` whose command is ``name``."""
    return [(pid, fields[0]) for pid, comm, fields in _stats() if comm == name and int(fields[1]) == parent]


def ended(pid_fd: int, timeout: float = 10.0) -> bool:
    """True once the process behind ``pid_fd`` has terminated (a pidfd becomes readable then)."""
    readable, _, _ = select.select([pid_fd], [], [], timeout)
    return bool(readable)

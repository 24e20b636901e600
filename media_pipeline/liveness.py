"""Progress-based liveness of a run worker (docs/ARCHITECTURE.md, liveness): the work of this process
(ffmpeg ``out_time``, images done, bytes uploaded, a child process started or ended) moves one process-wide
mark; the heartbeat records it and the rescue sensor ends a run whose mark has not moved for its stage's
stall limit. No dependencies, so media, providers and storage can all report."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ProgressMark:
    """How many times this process's work has moved, and the latest move (``"ffmpeg out_time 12.4 s"``)."""

    moves: int = 0
    note: str = ""


_lock = threading.Lock()
_mark = ProgressMark()


def moved(note: str) -> None:
    """Record that the work advanced (call only when a measure really grew, never on a timer)."""
    global _mark
    with _lock:
        _mark = ProgressMark(_mark.moves + 1, note[:200])


def current() -> ProgressMark:
    """The latest progress mark of this process."""
    return _mark


class Meter:
    """Reports a growing measure (seconds written, bytes sent) as moves, only when it grows."""

    def __init__(self, what: str, unit: str) -> None:
        self.what, self.unit = what, unit
        self._best = float("-inf")

    def add(self, amount: float) -> None:
        """Note that the measure grew by ``amount`` (callbacks that report increments)."""
        self.update(max(self._best, 0.0) + amount)

    def update(self, value: float) -> None:
        """Note ``value``; a move is recorded when it exceeds every earlier value."""
        if value > self._best:
            self._best = value
            moved(f"{self.what} {value:.1f} {self.unit}".rstrip())

"""Thread-safe, monotonic percent progress over weighted phases made of parts measured in seconds."""

from __future__ import annotations

import threading
from collections.abc import Callable

MIN_STEP = 0.1


class ProgressMeter:
    """Combines per-part done-seconds into one 0..100 percent, reported only when it grows.

    ``phases`` maps a phase name to ``(weight, {part: total_seconds})``; weights are normalised.
    """

    def __init__(
        self,
        on_progress: Callable[[float], None] | None,
        phases: dict[str, tuple[float, dict[object, float]]],
    ) -> None:
        self._callback = on_progress
        total_weight = sum(weight for weight, _ in phases.values()) or 1.0
        self._weights = {name: weight / total_weight for name, (weight, _) in phases.items()}
        self._totals = {name: dict(parts) for name, (_, parts) in phases.items()}
        self._done: dict[str, dict[object, float]] = {name: {} for name in phases}
        self._reported = 0.0
        self._lock = threading.Lock()

    def percent(self) -> float:
        """Current percent (not necessarily reported yet)."""
        value = 0.0
        for name, weight in self._weights.items():
            totals = self._totals[name]
            whole = sum(totals.values())
            done = sum(self._done[name].values())
            value += weight * (done / whole if whole > 0 else 1.0)
        return min(100.0, 100.0 * value)

    def update(self, phase: str, part: object, seconds: float) -> None:
        """Record that ``part`` of ``phase`` has ``seconds`` done (clamped to its total)."""
        with self._lock:
            total = self._totals[phase][part]
            self._done[phase][part] = min(max(seconds, self._done[phase].get(part, 0.0)), total)
            self._report(self.percent())

    def complete(self, phase: str, part: object) -> None:
        """Mark ``part`` of ``phase`` as finished."""
        self.update(phase, part, self._totals[phase][part])

    def finish(self) -> None:
        """Report 100 percent."""
        with self._lock:
            self._report(100.0, force=True)

    def _report(self, value: float, *, force: bool = False) -> None:
        if self._callback is None:
            return
        if value > self._reported + MIN_STEP or (force and value > self._reported):
            self._reported = value
            self._callback(round(value, 2))

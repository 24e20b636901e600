"""Sign-in rate limit (docs/ARCHITECTURE.md §11): failed sign-ins are counted per username and per client
address in a sliding window; past the limit every attempt (right password or not, existing user or not)
answers 429 with ``Retry-After`` until the oldest failure leaves the window. Kept in this process."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

ADDRESS_FACTOR = 4
"""An address may fail this many times the per-user limit (several users behind one NAT)."""


class LoginLimiter:
    """Failures per ``user:<name>`` and ``address:<ip>`` key within ``window_s``."""

    def __init__(
        self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = {"user": max_failures, "address": max_failures * ADDRESS_FACTOR}
        self._window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until ``username`` from ``address`` may try again, or None if it may now."""
        now = self._clock()
        waits = []
        with self._lock:
            for kind, key in self._keys(username, address):
                failures = self._recent(key, now)
                if len(failures) >= self._limits[kind]:
                    waits.append(failures[len(failures) - self._limits[kind]] + self._window_s - now)
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str) -> None:
        """Count a failed sign-in."""
        now = self._clock()
        with self._lock:
            for _, key in self._keys(username, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        """The key's failures within the window (a key without any is forgotten)."""
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self._window_s:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("user", f"user:{username.casefold()}"), ("address", f"address:{address}")

"""Exponential backoff with jitter shared by the HTTP providers (sleep and randomness injectable)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from media_pipeline.errors import DeferredError, TransientError

T = TypeVar("T")

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Backoff:
    """Retry schedule: ``attempts`` tries in total, delays ``base_s * factor**n`` capped at ``max_s``.

    Each delay is stretched by a random factor in ``[1, 1 + jitter]`` so that many workers do not retry
    in lockstep.
    """

    attempts: int = 3
    base_s: float = 1.0
    factor: float = 2.0
    max_s: float = 30.0
    jitter: float = 0.5
    sleep: Sleep = field(default=time.sleep, compare=False)
    rand: Callable[[], float] = field(default=random.random, compare=False)

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure (1-based)."""
        raw = min(self.max_s, self.base_s * self.factor ** max(0, failures - 1))
        return raw * (1.0 + self.jitter * self.rand())

    def pause(self, failures: int, floor_s: float = 0.0) -> None:
        """Sleep before the next try; ``floor_s`` honours a server's ``Retry-After`` (capped at ``max_s``)."""
        self.sleep(max(self.delay(failures), min(floor_s, self.max_s)))


class RetryableError(Exception):
    """Raised inside a retried call to say "try again"; ``retry_after_s`` is the server's hint, if any."""

    def __init__(self, message: str, retry_after_s: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def call_with_retries(fn: Callable[[], T], *, backoff: Backoff, what: str) -> T:
    """Call ``fn`` until it returns; retry on :class:`RetryableError` up to ``backoff.attempts`` times.

    Any other exception propagates at once. After the last failed attempt a :class:`TransientError`
    naming ``what`` and the last cause is raised, so a stage-level retry can try again later; if the server
    said when to come back (``Retry-After``), a :class:`DeferredError` carrying that delay instead.
    """
    failures = 0
    while True:
        try:
            return fn()
        except RetryableError as exc:
            failures += 1
            if failures >= backoff.attempts:
                message = f"{what} failed after {failures} attempts: {exc}"
                if exc.retry_after_s > 0:
                    raise DeferredError(message, exc.retry_after_s) from exc
                raise TransientError(message) from exc
            backoff.pause(failures, exc.retry_after_s)

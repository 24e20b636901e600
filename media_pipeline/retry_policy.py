"""The retry policy of stage runs, in one place: which failures are transient and when they are retried.

Seed 001 §5: a transient failure is retried after 5, 10 and 30 s (3 retries, 4 attempts); a permanent one
fails the task at once. Transient: HTTP 5xx/408/429, timeouts, connection errors, an ffmpeg timeout, a
child process killed by a signal, a rescued (lost) worker, a full disk (ENOSPC: space may be freed) and any
unexpected exception. Permanent: invalid
settings, other HTTP 4xx, a missing voice or font, validation errors and too few credits for paid images
(raised as ``PermanentError``, which the store's ``ValidationFailed`` and ``InsufficientCredits`` are, or
as a pydantic ``ValidationError``).

A deferral (``DeferredError``: quota, ``Retry-After``) waits for the time the provider named instead of the
backoff; it counts as one of the retries, unless it is a ``BoundedDeferral`` (publishing waiting for a
platform's reset, bounded by the publication horizon), which reschedules the stage without counting.
"""

from __future__ import annotations

import errno
import sys
from dataclasses import dataclass

import pydantic

from media_pipeline.errors import BoundedDeferral, DeferredError, PermanentError
from media_pipeline.processes import ProcessFailed, ProcessTimedOut

BACKOFF_S: tuple[float, ...] = (5.0, 10.0, 30.0)
"""Delay before automatic retry 1, 2, 3 of a transient failure."""

MAX_RETRIES = len(BACKOFF_S)
"""Automatic retries per stage after the first attempt (so at most ``MAX_RETRIES + 1`` attempts)."""

TRANSIENT_HTTP_STATUSES = frozenset({408, 429})
"""HTTP statuses below 500 that may succeed later (every 5xx may too)."""


def is_transient_status(status: int) -> bool:
    """True if an HTTP response with ``status`` is worth retrying (5xx, 408, 429)."""
    return status >= 500 or status in TRANSIENT_HTTP_STATUSES


def retry_delay(retries_done: int) -> float:
    """Seconds before the automatic retry that follows ``retries_done`` earlier automatic retries."""
    return BACKOFF_S[min(retries_done, len(BACKOFF_S) - 1)]


@dataclass(frozen=True, slots=True)
class Verdict:
    """How a failed stage attempt is treated."""

    transient: bool
    message: str
    retry_after_s: float | None = None
    counted: bool = True
    """False for a bounded deferral: the retry does not use one of the stage's automatic retries."""


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
DISK_FULL_TEXT = "No space left on device"
"""How a child process (ffmpeg, espeak-ng) reports ENOSPC on stderr."""


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` or an exception it was raised from is a full disk (ENOSPC/EDQUOT), or a child
    process said so on stderr."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return True
        if isinstance(current, ProcessFailed) and DISK_FULL_TEXT in current.stderr_tail:
            return True
        current = current.__cause__ or current.__context__
    return False


def classify(exc: BaseException) -> Verdict:
    """The verdict for an exception raised by a stage (see the module docstring for the lists)."""
    message = f"{type(exc).__name__}: {exc}"
    if is_disk_full(exc):
        return Verdict(True, message)
    if isinstance(exc, BoundedDeferral):
        return Verdict(True, message, exc.retry_after_s, counted=False)
    if isinstance(exc, DeferredError):
        return Verdict(True, message, exc.retry_after_s)
    if isinstance(exc, ProcessTimedOut):
        return Verdict(True, message)
    if isinstance(exc, ProcessFailed):
        killed = exc.returncode is not None and exc.returncode < 0
        return Verdict(killed, message)
    # an httpx error can only come from code that imported httpx (not loaded for stages that make no requests)
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.HTTPStatusError):
        return Verdict(is_transient_status(exc.response.status_code), message)
    if isinstance(exc, PermanentError | pydantic.ValidationError):
        return Verdict(False, message)
    # TransientError, httpx timeouts/transport errors, OSError (connection errors) and anything unexpected
    return Verdict(True, message)

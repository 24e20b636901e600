"""What a log line is about (seed 004 §8): ``requestId``, ``userId``, ``videoId`` and ``jobId`` of the request
or stage run being handled, kept in a context variable and stamped on every log record of the process.

A request or run opens a fresh context (``log_context``); code that learns more on the way (the
authenticated user, the video of the path) adds to it (``add_log_fields``). The context holds one dict,
so fields added in a worker thread of the request (which runs on a copy of the context) are seen by the
request's later log lines too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

FIELDS = ("requestId", "userId", "videoId", "jobId")
"""The context's fields, set on every log record (None where unknown); never pass them as ``extra``."""

_CONTEXT: ContextVar[dict[str, str] | None] = ContextVar("media_pipeline_log_context", default=None)


@contextmanager
def log_context(**values: str) -> Iterator[dict[str, str]]:
    """A context for one request or run with ``values`` (and the enclosing context's fields)."""
    token = _CONTEXT.set({**(_CONTEXT.get() or {}), **values})
    try:
        yield _CONTEXT.get() or {}
    finally:
        _CONTEXT.reset(token)


def add_log_fields(**values: str | None) -> None:
    """Add the known ``values`` to the current context (no-op outside one)."""
    fields = _CONTEXT.get()
    if fields is not None:
        fields.update({key: value for key, value in values.items() if value is not None})


def current_fields() -> dict[str, str | None]:
    """Every field of the current context (None where unknown)."""
    fields = _CONTEXT.get() or {}
    return {key: fields.get(key) for key in FIELDS}


def _stamping(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.__dict__.update(current_fields())
        return record

    factory.stamps_log_context = True  # type: ignore[attr-defined]
    return factory


def install_log_context() -> None:
    """Stamp the context's fields on every log record of this process (idempotent)."""
    previous = logging.getLogRecordFactory()
    if not getattr(previous, "stamps_log_context", False):
        logging.setLogRecordFactory(_stamping(previous))

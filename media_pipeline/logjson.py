"""Structured (JSON lines) logging for every process of ours: the API (``api/logging_config.py``) and the
run workers (``orchestration/stage_run.py``). Every line carries ``requestId``, ``userId``, ``videoId`` and
``jobId`` where known (``media_pipeline/logcontext.py``; docs/ARCHITECTURE.md §11)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from media_pipeline.logcontext import FIELDS, install_log_context

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", *FIELDS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the log context's fields, ``extra``
    fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **{key: getattr(record, key, None) for key in FIELDS},
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _STANDARD_ATTRS and not key.startswith("_")
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def json_handler(stream: SupportsWrite[str] | None = None) -> logging.Handler:
    """A stream handler writing JSON lines (and every record of the process stamped with the log
    context)."""
    install_log_context()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


class _CurrentStderr:
    """``sys.stderr`` as it is at each write (a caller may replace it, e.g. to capture it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def json_lines_to_stderr(logger_name: str = "media_pipeline", level: int = logging.INFO) -> None:
    """Write the records of ``logger_name`` (at ``level`` unless it has a level) as JSON lines to stderr;
    once per process, and not where the root logger already writes JSON (the API)."""
    logger = logging.getLogger(logger_name)
    handlers = (*logger.handlers, *logging.getLogger().handlers)
    if any(isinstance(handler.formatter, JsonFormatter) for handler in handlers):
        return
    logger.addHandler(json_handler(_CurrentStderr()))
    if logger.level == logging.NOTSET:
        logger.setLevel(level)

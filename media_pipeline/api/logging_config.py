"""Structured (JSON lines) logging; every line carries ``requestId``, ``userId``, ``videoId`` and ``jobId``
where known (``media_pipeline/logcontext.py``)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from media_pipeline.logcontext import FIELDS, install_log_context

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


def json_handler(stream: TextIO | None = None) -> logging.Handler:
    """A stream handler writing JSON lines (and every record of the process stamped with the log
    context)."""
    install_log_context()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    return handler


def configure_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """Send all logging (the app's and uvicorn's) to one JSON handler on the root logger."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler(stream)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True

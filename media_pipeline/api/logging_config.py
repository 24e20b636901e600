"""The API's logging: everything (the app's and uvicorn's) as JSON lines (``media_pipeline/logjson.py``)."""

from __future__ import annotations

import logging
from typing import TextIO

from media_pipeline.logjson import json_handler


def configure_logging(level: int | str = logging.INFO, stream: TextIO | None = None) -> None:
    """Send all logging (the app's and uvicorn's) to one JSON handler on the root logger."""
    root = logging.getLogger()
    root.handlers[:] = [json_handler(stream)]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True

"""The directory prometheus_client's multiprocess mode shares between API worker processes
(docs/ARCHITECTURE.md §11). Apart from ``metrics`` so that the supervisor of several workers, which only
sets it up, does not import prometheus_client, SQLAlchemy and the store."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's switch to multiprocess mode (read by the library when it is imported)."""


@contextmanager
def shared_metrics_dir() -> Iterator[Path]:
    """The multiprocess metrics directory for the worker processes started inside the block: the operator's
    ``PROMETHEUS_MULTIPROC_DIR`` emptied first (files of an earlier run would be summed too), else a new
    temporary directory removed afterwards. Set before the workers start, so they import prometheus_client
    in multiprocess mode."""
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        for stale in Path(given).glob("*.db"):
            stale.unlink()
        yield Path(given)
        return
    made = Path(tempfile.mkdtemp(prefix="media_pipeline_metrics_"))
    os.environ[MULTIPROC_ENV] = str(made)
    try:
        yield made
    finally:
        del os.environ[MULTIPROC_ENV]
        shutil.rmtree(made, ignore_errors=True)

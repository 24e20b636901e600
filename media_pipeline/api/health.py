"""Health checks with short timeouts: the app DB (answers, schema at the code's migration revision), the
Dagster instance's run storage and the task storage; with the process's role, version and uptime.

Blocking checks run in worker threads; a check that does not answer in time is reported as an error
(its thread is abandoned, never awaited).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from importlib import metadata
from typing import Any

import anyio
from sqlalchemy import Engine, text

from media_pipeline.api.schemas import Check, Health
from media_pipeline.orchestration.dagster_link import DagsterLink
from media_pipeline.storage import Storage
from media_pipeline.store import current_revision, head_revision

DB_TIMEOUT_S = 2.0
DAGSTER_TIMEOUT_S = 3.0
STORAGE_TIMEOUT_S = 3.0


def _check_db(engine: Engine) -> dict[str, Any]:
    """The app DB answers and its schema is at the revision this code expects."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    revision, head = current_revision(engine), head_revision()
    if revision != head:
        detail = f"schema revision {revision} is behind {head}; run `media-pipeline db-upgrade`"
        return {"status": "error", "revision": revision, "detail": detail}
    return {"status": "ok", "revision": revision}


async def _timed(check: Callable[[], dict[str, Any]], timeout_s: float) -> Check:
    started = time.perf_counter()
    try:
        result = await asyncio.wait_for(anyio.to_thread.run_sync(check, abandon_on_cancel=True), timeout_s)
    except TimeoutError:
        result = {"status": "error", "detail": f"no answer within {timeout_s:g} s"}
    except Exception as exc:
        result = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return Check(latency_ms=round((time.perf_counter() - started) * 1000, 2), **result)


def _check_storage(storage: Storage) -> dict[str, Any]:
    """The task storage is usable (folder writable / bucket reachable with these credentials)."""
    storage.check()
    return {"status": "ok", "storage": type(storage).__name__}


def package_version() -> str:
    """The installed media_pipeline version."""
    try:
        return metadata.version("media_pipeline")
    except metadata.PackageNotFoundError:
        return "unknown"


async def check_health(engine: Engine, dagster: DagsterLink, storage: Storage, started: float) -> Health:
    """All checks concurrently; ``error`` if the app DB fails, ``degraded`` if only Dagster or the task
    storage does. ``started`` is the process's ``time.monotonic()`` at start (uptime)."""
    db, orchestrator, files = await asyncio.gather(
        _timed(lambda: _check_db(engine), DB_TIMEOUT_S),
        _timed(dagster.check, DAGSTER_TIMEOUT_S),
        _timed(lambda: _check_storage(storage), STORAGE_TIMEOUT_S),
    )
    if db.status == "error":
        status = "error"
    elif "error" in (orchestrator.status, files.status):
        status = "degraded"
    else:
        status = "ok"
    return Health(
        status=status,
        role="api",
        version=package_version(),
        uptime_s=round(time.monotonic() - started, 3),
        checks={"db": db, "dagster": orchestrator, "storage": files},
    )

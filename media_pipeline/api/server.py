"""Serve the API with uvicorn on ``settings.api_host:api_port`` (JSON logs, no uvicorn access log), in one
process or in ``settings.api_workers`` worker processes sharing the port (docs/ARCHITECTURE.md §11)."""

from __future__ import annotations

import logging
import multiprocessing
from typing import TYPE_CHECKING, Any

import uvicorn

from media_pipeline.api.logging_config import configure_logging
from media_pipeline.api.metrics_dir import shared_metrics_dir
from media_pipeline.settings import Settings, get_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

LOG_LEVEL = logging.INFO
_UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "log_level": LOG_LEVEL,
    "ws": "websockets-sansio",
    "proxy_headers": False,
    "server_header": False,
}


def serve(settings: Settings) -> None:
    """Migrate the app DB, then run the API until interrupted (blocking).

    With ``api_workers > 1`` uvicorn supervises that many worker processes on one listening socket and
    replaces any that dies; each builds its app with :func:`worker_app`, so ``settings`` must be the
    environment's (a worker cannot be handed an object), and the HTTP metrics of all workers are summed
    through a shared directory (:func:`shared_metrics_dir`).
    """
    configure_logging(LOG_LEVEL)
    _migrate_apart(settings.resolved_app_db_url)
    where: dict[str, Any] = {"host": settings.api_host, "port": settings.api_port}
    if settings.api_workers == 1:
        # Imported only where an app is built: the supervisor of several workers stays small.
        from media_pipeline.api.app import create_app

        uvicorn.Server(uvicorn.Config(create_app(settings), **where, **_UVICORN_OPTIONS)).run()
        return
    if settings != Settings():
        raise ValueError(
            "api_workers > 1: each worker reads its settings from the MEDIA_PIPELINE_* environment, "
            "so serve() must be given the environment's settings"
        )
    with shared_metrics_dir():
        uvicorn.run(
            f"{__name__}:worker_app", factory=True, workers=settings.api_workers, **where, **_UVICORN_OPTIONS
        )


def _migrate_apart(url: str) -> None:
    """Migrate the app DB in a child process: Alembic and the migration scripts (≈ 9 MB) stay out of the
    API's processes, and SQLAlchemy (≈ 25 MB) out of the supervisor of several workers, which never reads
    the database itself."""
    child = multiprocessing.get_context("spawn").Process(target=_migrate, args=(url,), name="migrate")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"migrating the app database failed (exit code {child.exitcode}), see the log")


def _migrate(url: str) -> None:
    configure_logging(LOG_LEVEL)
    from media_pipeline.store import ensure_migrated

    ensure_migrated(url)


def worker_app() -> FastAPI:
    """The app of one worker process (``api_workers > 1``): JSON logs, settings from the environment."""
    from media_pipeline.api.app import create_app

    configure_logging(LOG_LEVEL)
    return create_app(get_settings())

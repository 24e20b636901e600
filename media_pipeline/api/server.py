"""Serve the API with uvicorn on ``settings.api_host:api_port`` (JSON logs, no uvicorn access log)."""

from __future__ import annotations

import uvicorn

from media_pipeline.api.app import create_app
from media_pipeline.api.logging_config import configure_logging
from media_pipeline.settings import Settings
from media_pipeline.store import ensure_migrated


def serve(settings: Settings, *, log_level: str = "info") -> None:
    """Migrate the app DB, then run the API until interrupted (blocking)."""
    configure_logging(log_level.upper())
    ensure_migrated(settings.resolved_app_db_url)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        log_level=log_level,
        ws="websockets-sansio",
        proxy_headers=False,
        server_header=False,
    )
    uvicorn.Server(config).run()

"""Browser front ends on other origins: CORS for HTTP (Starlette's CORSMiddleware) and the same origin
rule for the progress WebSocket, which browsers open without a CORS preflight.

Allowed origins come from ``Settings.cors_allowed_origins`` (default none: same origin only).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from media_pipeline.settings import Settings

PREFLIGHT_MAX_AGE_S = 600
REQUEST_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Request-ID"]
EXPOSED_HEADERS = ["ETag", "Location", "X-Request-ID"]


def install_cors(app: FastAPI, settings: Settings) -> None:
    """Answer preflights and add CORS headers for the configured origins (outermost middleware, so error
    responses carry them too). Without configured origins nothing is added."""
    if settings.cors_allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_allowed_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=REQUEST_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=PREFLIGHT_MAX_AGE_S,
        )


def websocket_origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """A WebSocket handshake may proceed: no Origin (not a browser), the page's own origin (same host as
    the request), or a configured origin."""
    if origin is None:
        return True
    if origin in settings.cors_allowed_origins:
        return True
    return host is not None and urlsplit(origin).netloc == host

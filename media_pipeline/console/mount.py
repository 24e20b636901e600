"""Serve the console at ``/`` (static files under ``/static``) and Swagger UI at ``/docs`` from local files.

Everything is packaged with ``media_pipeline``: no CDN, no external fonts (works offline).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
"""Swagger UI 5 files packaged by fastapi-offline (OpenAPI 3.1 needs Swagger UI 5)."""
DOCS_ASSETS = "/docs-assets"
CONSOLE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def mount_console(app: FastAPI) -> None:
    """Add the console page, its static files and the offline Swagger UI to ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")

    @app.get("/", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html",
            headers={"Content-Security-Policy": CONSOLE_CSP, "Cache-Control": "no-cache"},
        )

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger.css",
            swagger_favicon_url="/static/favicon.svg",
        )

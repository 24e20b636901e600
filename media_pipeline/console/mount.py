"""Serve the console at ``/`` (static files under ``/static``) and Swagger UI at ``/docs`` from local files.

Everything is packaged with ``media_pipeline``: no CDN, no external fonts (works offline).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from media_pipeline.storage import Storage

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER_DIR = Path(fastapi_offline.__file__).parent / "static"
"""Swagger UI 5 files packaged by fastapi-offline (OpenAPI 3.1 needs Swagger UI 5)."""
DOCS_ASSETS = "/docs-assets"


def console_csp(storage_origin: str | None = None) -> str:
    """The console's Content-Security-Policy. ``storage_origin`` (object storage only) is the one origin
    the browser may also fetch from: presigned HLS segments (hls.js loads them with XHR into MSE) and file
    downloads redirected to presigned URLs. Nothing else outside the API is allowed."""
    extra = f" {storage_origin}" if storage_origin else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        f"media-src 'self' blob:{extra}; connect-src 'self' ws: wss:{extra}; worker-src 'none'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    )


def storage_origin(storage: Storage) -> str | None:
    """The scheme://host[:port] of the store's presigned URLs (None for the local folder, whose files the
    API serves itself). Derived from a presigned URL so it matches what clients are given (public
    endpoint, virtual-host or path style); presigning is a local computation, no request is sent."""
    url = storage.presigned_url("tasks/csp-origin-probe", 60)
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def mount_console(app: FastAPI, storage: Storage) -> None:
    """Add the console page, its static files and the offline Swagger UI to ``app``; ``storage`` decides
    which object-storage origin the page may fetch from."""
    csp = console_csp(storage_origin(storage))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.mount(DOCS_ASSETS, StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")

    @app.get("/", include_in_schema=False)
    def console() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html",
            headers={"Content-Security-Policy": csp, "Cache-Control": "no-cache"},
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

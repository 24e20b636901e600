"""Handing out a stored task file: streamed from the local folder, or a redirect to a presigned object URL
(docs/ARCHITECTURE.md §7)."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import FileResponse, RedirectResponse

from media_pipeline.store.render_jobs import StoredAsset


def stored_file(asset: StoredAsset) -> Response:
    """A 307 to the presigned URL on object storage, else the local file inline."""
    if asset.url is not None:
        return RedirectResponse(asset.url, status_code=307)
    assert asset.path is not None
    return FileResponse(
        asset.path, media_type=asset.media_type, filename=asset.name, content_disposition_type="inline"
    )

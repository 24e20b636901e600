"""Responses handing out a stored file: streamed from the local folder, or a redirect to a presigned object
URL on object storage (docs/ARCHITECTURE.md §7)."""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import FileResponse, RedirectResponse

from media_pipeline.store import StoredAsset


def asset_response(asset: StoredAsset, *, filename: str | None = None) -> Response:
    """``asset`` inline: its presigned URL (307) or its local file."""
    if asset.url is not None:
        return RedirectResponse(asset.url, status_code=307)
    assert asset.path is not None
    return FileResponse(
        asset.path, media_type=asset.media_type, filename=filename, content_disposition_type="inline"
    )

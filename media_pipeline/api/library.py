"""The library's files over HTTP: uploads checked in a scratch folder and stored under the item's folder
of the task storage only when all passed, file downloads, and the item's cover (docs/ARCHITECTURE.md §3)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape

from fastapi import Response

from media_pipeline.api.file_responses import asset_response
from media_pipeline.api.schemas_library import CoverPlaceholder, LibraryFile, LibraryItem
from media_pipeline.api.uploads import upload_errors
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage, StoredObject
from media_pipeline.store import LibraryItemView, StoredAsset
from media_pipeline.usecases import IncomingFile, receive_files
from media_pipeline.usecases_library import LibraryCommands, is_image, media_type

PLACEHOLDER_COLORS = ("#1e3a8a", "#065f46", "#7c2d12", "#581c87", "#134e4a", "#831843")


def save_files(
    commands: LibraryCommands, settings: Settings, item_id: str, files: Sequence[IncomingFile]
) -> list[StoredObject]:
    """Store every uploaded image/clip of the item or none (413 oversized, 415 empty or not an accepted
    image or clip); returns the item's files."""
    commands.library.get(item_id)  # NotFound for another owner's item
    with tempfile.TemporaryDirectory(prefix="media-pipeline-library-", dir=scratch_folder(settings)) as tmp:
        with upload_errors():
            stored = receive_files(
                files, Path(tmp), settings.upload_max_bytes, clip_max_s=settings.clip_max_s
            )
        return commands.add_files(item_id, [upload.path for upload in stored])


def scratch_folder(settings: Settings) -> Path | None:
    """Where uploads are checked (``MEDIA_PIPELINE_SCRATCH_DIR``, created; None: the system's temp)."""
    if settings.scratch_dir is None:
        return None
    settings.scratch_dir.mkdir(parents=True, exist_ok=True)
    return settings.scratch_dir


def file_url(item_id: str, key: str) -> str:
    """API path downloading one of the item's files."""
    return f"/api/library/{item_id}/files/{PurePosixPath(key).name}"


COVER_CACHE = "private, max-age=31536000, immutable"
"""``Cache-Control`` of a cover asked for by its current ``coverUrl``: the URL names the version, so the
browser keeps it and a library page revisited asks only for the list (docs/ARCHITECTURE.md §7)."""


def cover_version(view: LibraryItemView, files: list[StoredObject]) -> str:
    """A short digest of what the item's cover is drawn from: it changes when the cover would."""
    image = next((f for f in files if is_image(f.key)), None)
    if image is not None:
        source: list[object] = ["upload", image.key, image.size, image.modified.isoformat()]
    elif view.thumbnail is not None:
        thumb = view.thumbnail
        source = ["thumbnail", thumb.task_id, thumb.generation, thumb.content_id]
    else:
        source = ["placeholder", view.title[:1]]
    return hashlib.sha256(repr(source).encode()).hexdigest()[:16]


def item_out(view: LibraryItemView, files: list[StoredObject]) -> LibraryItem:
    """The API body of an item with its files and where its cover comes from."""
    cover = (
        "upload" if any(is_image(f.key) for f in files) else "thumbnail" if view.thumbnail else "placeholder"
    )
    return LibraryItem.model_validate(
        {
            **view.model_dump(exclude={"latest_status", "youtube_url"}),
            "files": [
                LibraryFile(
                    name=PurePosixPath(f.key).name,
                    mime=media_type(f.key),
                    size=f.size,
                    url=file_url(view.id, f.key),
                )
                for f in files
            ],
            "cover": cover,
            "cover_url": f"/api/library/{view.id}/cover?v={cover_version(view, files)}",
            "placeholder": placeholder_cover(view),
        }
    )


def stored_response(storage: Storage, settings: Settings, key: str) -> Response:
    """A stored library file: streamed from the local folder, or a redirect to a presigned object URL."""
    asset = StoredAsset(
        name=PurePosixPath(key).name,
        media_type=media_type(key),
        path=storage.local_path(key),
        url=storage.presigned_url(key, settings.storage_presign_expiry_s),
    )
    return asset_response(asset)


def placeholder_cover(view: LibraryItemView) -> CoverPlaceholder:
    """The one rule of the generated cover: the title's first letter on a colour chosen from the item id
    (the SVG below and the console's drawn cover both show it, docs/ARCHITECTURE.md §7)."""
    color = PLACEHOLDER_COLORS[
        int(hashlib.sha256(view.id.encode()).hexdigest(), 16) % len(PLACEHOLDER_COLORS)
    ]
    return CoverPlaceholder(letter=view.title[:1].upper() or "?", color=color)


def placeholder_svg(view: LibraryItemView) -> Response:
    """A generated cover (``placeholder_cover``) as an SVG, for clients that do not draw it themselves."""
    look = placeholder_cover(view)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">'
        f'<rect width="320" height="180" fill="{look.color}"/>'
        '<text x="160" y="90" dy="0.35em" text-anchor="middle" font-family="sans-serif" font-size="84" '
        f'fill="#ffffff">{escape(look.letter)}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})

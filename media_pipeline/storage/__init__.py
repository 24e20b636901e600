"""Where task files live: a local folder (default) or S3-compatible object storage, behind one interface.

``open_storage(settings)`` picks the backend from ``MEDIA_PIPELINE_STORAGE_URL`` (docs/ARCHITECTURE.md §7).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from media_pipeline.settings import Settings
from media_pipeline.storage.base import (
    SETTING,
    Storage,
    StorageConfigError,
    StorageKeyError,
    StoredObject,
    validate_key,
)
from media_pipeline.storage.local import LocalStorage

__all__ = [
    "SETTING",
    "LocalStorage",
    "Storage",
    "StorageConfigError",
    "StorageKeyError",
    "StoredObject",
    "open_storage",
    "validate_key",
]


def open_storage(settings: Settings) -> Storage:
    """The store named by ``settings.storage_url``: ``s3://bucket/prefix``, ``file:///path`` or a plain
    path; unset means the local folder ``settings.resolved_storage_root``."""
    url = settings.storage_url
    if not url:
        return LocalStorage(settings.resolved_storage_root)
    scheme = urlsplit(url).scheme
    if scheme == "s3":
        try:
            from media_pipeline.storage.s3 import S3Storage
        except ImportError as exc:  # boto3 is the optional extra `s3`
            raise StorageConfigError(
                f"{SETTING}={url} needs boto3: pip install 'media_pipeline[s3]'"
            ) from exc
        return S3Storage(
            url,
            path_style=settings.storage_s3_path_style,
            chunk_bytes=settings.storage_multipart_chunk_bytes,
            public_endpoint_url=settings.storage_public_endpoint_url,
        )
    if scheme == "file":
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise StorageConfigError(f"{SETTING}={url}: file URLs must be file:///absolute/path")
        return LocalStorage(Path(unquote(parts.path)), url)
    if scheme and len(scheme) > 1:  # one letter: a Windows drive, i.e. a plain path
        raise StorageConfigError(
            f"{SETTING}={url}: unsupported scheme {scheme!r} (use s3://, file:// or a path)"
        )
    return LocalStorage(Path(url), url)

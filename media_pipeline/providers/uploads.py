"""User-uploaded scene images, stored safely under ``tasks/{task_id}/uploads/`` (mediaMode ``upload``).

Uploads are untrusted: the type comes from the magic bytes (the file extension is ignored) and must decode
with Pillow, the size limit is enforced while streaming, and names are reduced to a safe ASCII stem plus a
random suffix, so nothing outside the uploads folder can be reached and no partial file is ever left.
"""

from __future__ import annotations

import itertools
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path, safe_child
from media_pipeline.providers.imaging import SNIFF_BYTES, sniff_image_type, verify_image, write_scene_image
from media_pipeline.storage import Storage

CHUNK_BYTES = 64 * 1024
MAX_STEM_CHARS = 60
_UNSAFE_RE = re.compile(r"[^A-Za-z0-9_-]+")


class UploadRejectedError(PermanentError):
    """An upload that is not an accepted image or otherwise unusable; ``details`` names the file."""

    code = "UNSUPPORTED_MEDIA_TYPE"

    def __init__(self, message: str, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details


class UploadTooLargeError(UploadRejectedError):
    """An upload over the size limit; ``details`` holds the limit."""

    code = "PAYLOAD_TOO_LARGE"


@dataclass(frozen=True)
class StoredUpload:
    """One stored upload: its safe file name, absolute path, sniffed MIME type and size in bytes."""

    name: str
    path: Path
    mime: str
    size: int


def safe_stem(filename: str) -> str:
    """A safe file stem from a client-supplied name: basename only, ASCII ``[A-Za-z0-9_-]``, no dotfiles."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", filename))[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    cleaned = _UNSAFE_RE.sub("_", stem).strip("_-")[:MAX_STEM_CHARS].strip("_-")
    return cleaned or "image"


def _chunks(stream: BinaryIO | bytes) -> Iterator[bytes]:
    if isinstance(stream, bytes | bytearray | memoryview):
        return iter([bytes(stream)])
    return iter(lambda: stream.read(CHUNK_BYTES), b"")


def _first_bytes(chunks: Iterator[bytes]) -> bytes:
    """At least SNIFF_BYTES from the stream (fewer only at its end)."""
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    return head


def store_upload(
    paths: TaskPaths, filename: str, stream: BinaryIO | bytes, *, max_bytes: int
) -> StoredUpload:
    """Store one uploaded image for the task and return where it went.

    Raises :class:`UploadRejectedError` (a PermanentError) if the data is not a JPEG/PNG/GIF/WebP that
    decodes, or exceeds ``max_bytes``; in that case no file is left behind.
    """
    chunks = _chunks(stream)
    head = _first_bytes(chunks)
    sniffed = sniff_image_type(head)
    if sniffed is None:
        raise UploadRejectedError(
            f"upload {filename!r} is not a JPEG, PNG, GIF or WebP image", {"file": filename}
        )
    mime, ext = sniffed
    name = f"{safe_stem(filename)}-{secrets.token_hex(4)}{ext}"
    paths.uploads_dir.mkdir(parents=True, exist_ok=True)
    final = safe_child(paths.uploads_dir, name)
    size = 0
    with atomic_path(final) as tmp, tmp.open("wb") as out:
        for chunk in itertools.chain([head], chunks):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLargeError(
                    f"upload {filename!r} is larger than the limit of {max_bytes} bytes", {"limit": max_bytes}
                )
            out.write(chunk)
        out.close()
        try:
            verify_image(tmp, f"upload {filename!r}")
        except PermanentError as exc:
            raise UploadRejectedError(str(exc), {"file": filename}) from exc
    return StoredUpload(name=name, path=final, mime=mime, size=size)


def list_uploads(paths: TaskPaths) -> list[StoredUpload]:
    """The task's stored uploads in upload order (oldest first); temp files and non-images are skipped."""
    folder = paths.uploads_dir
    if not folder.is_dir():
        return []
    found: list[tuple[int, StoredUpload]] = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            sniffed = sniff_image_type(handle.read(SNIFF_BYTES))
        if sniffed is None:
            continue
        stat = path.stat()
        found.append((stat.st_mtime_ns, StoredUpload(path.name, path.resolve(), sniffed[0], stat.st_size)))
    found.sort(key=lambda item: (item[0], item[1].name))
    return [upload for _, upload in found]


def has_uploads(storage: Storage, task_id: str) -> bool:
    """True if the task has at least one stored upload (on any storage backend)."""
    return bool(storage.list_keys(TaskPaths.keys(task_id).uploads_dir.as_posix()))


class UploadImageSource:
    """mediaMode ``upload``: the task's uploaded images, cycled if there are fewer than scenes."""

    name = "upload"

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Cover-fit the uploads to the canvas as ``scene_XX.png`` (PermanentError if there are none)."""
        uploads = list_uploads(paths)
        if not uploads:
            raise PermanentError("upload mode needs at least one uploaded image")
        images = []
        for i in range(len(script.scenes)):
            upload = uploads[i % len(uploads)]
            what = f"upload {upload.name!r}"
            images.append(
                write_scene_image(upload.path, task.settings.resolution, paths.scene_image(i), what)
            )
        return images

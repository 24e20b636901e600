"""User-uploaded scene images and clips, stored safely under ``tasks/{task_id}/uploads/`` (mediaMode
``upload``).

Uploads are untrusted: the type comes from the magic bytes (the file extension is ignored); an image must
decode with Pillow, a clip must pass ffprobe and decode (``media.clip_check``: a video stream, more than
0 s, within the length limit, at most 4K); the size limit is enforced while streaming, and names are
reduced to a safe ASCII stem plus a random suffix, so nothing outside the uploads folder can be reached and
no partial file is ever left.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from media_pipeline.domain import Scene, SceneMedia, Script, TaskPaths, TaskSpec
from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path, safe_child
from media_pipeline.media.clip_check import BadClipError, check_clip
from media_pipeline.providers.clip_media import adopt_clip, still_instead
from media_pipeline.providers.imaging import SNIFF_BYTES, sniff_image_type, verify_image, write_scene_image
from media_pipeline.storage import Storage

log = logging.getLogger(__name__)

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


CLIP_SIGNATURES: tuple[tuple[int, bytes, str, str], ...] = (
    (4, b"ftypqt", "video/quicktime", ".mov"),
    (4, b"ftyp", "video/mp4", ".mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm", ".webm"),
)
"""(offset, magic, MIME type, extension) of the accepted video clips (MP4/MOV ``ftyp`` box, WebM EBML)."""


def sniff_clip_type(head: bytes) -> tuple[str, str] | None:
    """(MIME type, extension) of MP4/MOV/WebM data from its first bytes; None for anything else."""
    for offset, magic, mime, ext in CLIP_SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return mime, ext
    return None


def _write_limited(
    folder: Path, filename: str, ext: str, head: bytes, chunks: Iterator[bytes], max_bytes: int
) -> tuple[Path, int]:
    """Stream ``head`` + ``chunks`` into a new safely named file of ``folder`` (atomically; nothing is left
    if the data exceeds ``max_bytes``); returns the final path and size."""
    name = f"{safe_stem(filename)}-{secrets.token_hex(4)}{ext}"
    folder.mkdir(parents=True, exist_ok=True)
    final = safe_child(folder, name)
    size = 0
    with atomic_path(final) as tmp, tmp.open("wb") as out:
        for chunk in itertools.chain([head], chunks):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLargeError(
                    f"upload {filename!r} is larger than the limit of {max_bytes} bytes", {"limit": max_bytes}
                )
            out.write(chunk)
    return final, size


def store_media(
    folder: Path,
    filename: str,
    stream: BinaryIO | bytes,
    *,
    max_bytes: int,
    clip_max_s: float | None = None,
) -> StoredUpload:
    """Store one uploaded image (or, with ``clip_max_s``, also a video clip up to that many seconds) in
    ``folder``.

    Raises :class:`UploadRejectedError` (a PermanentError) if the data is empty, is not a JPEG/PNG/GIF/WebP
    that decodes (or an MP4/MOV/WebM clip that passes ``check_clip``), or exceeds ``max_bytes``; then no
    file is left behind.
    """
    chunks = _chunks(stream)
    head = _first_bytes(chunks)
    if not head:
        raise UploadRejectedError(f"upload {filename!r} is empty (0 bytes)", {"file": filename})
    image = sniff_image_type(head)
    sniffed = image or (sniff_clip_type(head) if clip_max_s is not None else None)
    if sniffed is None:
        kinds = (
            "JPEG, PNG, GIF or WebP image or an MP4, MOV or WebM clip"
            if clip_max_s is not None
            else "JPEG, PNG, GIF or WebP image"
        )
        raise UploadRejectedError(f"upload {filename!r} is not a {kinds}", {"file": filename})
    mime, ext = sniffed
    final, size = _write_limited(folder, filename, ext, head, chunks, max_bytes)
    try:
        if image is not None:
            verify_image(final, f"upload {filename!r}")
        else:
            check_clip(final, f"upload {filename!r}", max_seconds=clip_max_s or 0.0)
    except PermanentError as exc:
        final.unlink(missing_ok=True)
        raise UploadRejectedError(str(exc), {"file": filename}) from exc
    return StoredUpload(name=final.name, path=final, mime=mime, size=size)


def store_upload(
    paths: TaskPaths, filename: str, stream: BinaryIO | bytes, *, max_bytes: int
) -> StoredUpload:
    """Store one uploaded image for the task in its uploads folder and return where it went
    (:func:`store_media`)."""
    return store_media(paths.uploads_dir, filename, stream, max_bytes=max_bytes)


def list_uploads(paths: TaskPaths) -> list[StoredUpload]:
    """The task's stored uploads in upload order (oldest first); temp files and anything but images and
    clips are skipped."""
    folder = paths.uploads_dir
    if not folder.is_dir():
        return []
    found: list[tuple[int, StoredUpload]] = []
    for path in folder.iterdir():
        if path.name.startswith(".") or path.is_symlink() or not path.is_file():
            continue
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
        sniffed = sniff_image_type(head) or sniff_clip_type(head)
        if sniffed is None:
            continue
        stat = path.stat()
        found.append((stat.st_mtime_ns, StoredUpload(path.name, path.resolve(), sniffed[0], stat.st_size)))
    found.sort(key=lambda item: (item[0], item[1].name))
    return [upload for _, upload in found]


def has_uploads(storage: Storage, task_id: str) -> bool:
    """True if the task has at least one stored upload (on any storage backend)."""
    return bool(storage.list_keys(TaskPaths.keys(task_id).uploads_dir.as_posix()))


def is_clip(upload: StoredUpload) -> bool:
    """True for an uploaded video clip."""
    return upload.mime.startswith("video/")


class UploadImageSource:
    """mediaMode ``upload``: the task's uploaded images and clips, cycled if there are fewer than scenes.
    A clip is the scene's moving picture (its first frame the scene image) unless the scene asks for a
    still; a clip that became unusable leaves the scene its Pillow still (docs/ARCHITECTURE.md §8)."""

    name = "upload"

    def __init__(self, clip_max_s: float, font: Path | None = None) -> None:
        self.clip_max_s = clip_max_s
        self.font = font

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Cover-fit the uploads to the canvas as ``scene_XX.png`` (clips also as ``scene_XX.mp4``);
        PermanentError if there are none."""
        uploads = list_uploads(paths)
        if not uploads:
            raise PermanentError("upload mode needs at least one uploaded image or clip")
        return [
            self._scene(task, script, scene, uploads[scene.index % len(uploads)], paths)
            for scene in script.scenes
        ]

    def _scene(
        self, task: TaskSpec, script: Script, scene: Scene, upload: StoredUpload, paths: TaskPaths
    ) -> Path:
        """The scene's image from ``upload``, and its clip for a clip upload shown in a clip scene."""
        if not is_clip(upload):
            paths.scene_clip(scene.index).unlink(missing_ok=True)
            out = paths.scene_image(scene.index)
            return write_scene_image(upload.path, task.settings.resolution, out, f"upload {upload.name!r}")
        try:
            image = adopt_clip(upload.path, task, scene.index, paths, max_seconds=self.clip_max_s)
        except BadClipError as exc:
            log.warning("scene %d keeps its still: %s", scene.index, exc)
            return still_instead(script, scene, task, paths, self.font)
        if scene.media is SceneMedia.STILL:
            paths.scene_clip(scene.index).unlink()
        return image

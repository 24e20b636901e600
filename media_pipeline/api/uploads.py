"""Scene image uploads of a mediaMode ``upload`` task, stored by ``providers.uploads`` under the task's
``uploads/`` folder of the task storage (local folder or bucket).

The client only names the video: the stored name is derived (sanitized) from the uploaded file name, the
type is sniffed from the bytes and the folder is the task's; one rejected file rejects the whole request.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

from media_pipeline.api.errors import ApiError
from media_pipeline.api.schemas import StoredFile
from media_pipeline.domain import MediaMode, TaskPaths
from media_pipeline.providers.uploads import (
    StoredUpload,
    UploadRejectedError,
    UploadTooLargeError,
    store_media,
)
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.storage.workspace import task_workspace
from media_pipeline.store import ConflictError, TaskService

MAX_FILES_PER_REQUEST = 10
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class IncomingFile(Protocol):
    """What is needed of an uploaded file (Starlette's ``UploadFile``)."""

    filename: str | None
    size: int | None
    file: BinaryIO


def request_limit(settings: Settings) -> int:
    """Largest accepted multipart body: every file at its limit plus framing."""
    return settings.upload_max_bytes * MAX_FILES_PER_REQUEST + MULTIPART_OVERHEAD_BYTES


def _view(upload: StoredUpload) -> StoredFile:
    return StoredFile(name=upload.name, mime=upload.mime, size=upload.size)


def receive_files(
    files: Sequence[IncomingFile], folder: Path, max_bytes: int, *, clips: bool = False
) -> list[StoredUpload]:
    """Check and store every file in the local ``folder``, or none: 413 for a file over ``max_bytes``,
    415 for data that is empty or not an accepted image (or clip, with ``clips``)."""
    stored: list[StoredUpload] = []
    try:
        for incoming in files:
            name = incoming.filename or "upload"
            if incoming.size is not None and incoming.size > max_bytes:
                raise ApiError(413, f"{name!r} is larger than {max_bytes} bytes", {"limit": max_bytes})
            try:
                stored.append(store_media(folder, name, incoming.file, max_bytes=max_bytes, clips=clips))
            except UploadTooLargeError as exc:
                raise ApiError(413, str(exc), {"file": name, "limit": max_bytes}) from exc
            except UploadRejectedError as exc:
                raise ApiError(415, str(exc), {"file": name}) from exc
    except Exception:
        for upload in stored:
            upload.path.unlink(missing_ok=True)
        raise
    return stored


def save_uploads(
    tasks: TaskService, settings: Settings, storage: Storage, video_id: str, files: Sequence[IncomingFile]
) -> list[StoredFile]:
    """Store every file or none: 409 unless the video's mediaMode is ``upload``, 413 for a file over
    ``upload_max_bytes``, 415 for data that is not a JPEG/PNG/GIF/WebP image. On object storage the files
    are checked in a scratch folder and uploaded only when all of them passed."""
    mode = tasks.get(video_id).task_settings().media_mode
    if mode is not MediaMode.UPLOAD:
        raise ConflictError("uploads are only used by mediaMode 'upload'", {"mediaMode": mode.value})
    with task_workspace(storage, video_id, settings.scratch_dir) as work:
        stored = receive_files(files, work.paths.uploads_dir, settings.upload_max_bytes)
        work.publish([upload.path for upload in stored])
    return [_view(upload) for upload in stored]


def stored_uploads(tasks: TaskService, storage: Storage, video_id: str) -> list[StoredFile]:
    """The video's uploads, oldest first."""
    tasks.get(video_id)  # NotFound for another owner's video
    found = storage.list_objects(TaskPaths.keys(video_id).uploads_dir.as_posix())
    found.sort(key=lambda item: (item.modified, item.key))
    return [
        StoredFile(
            name=PurePosixPath(item.key).name,
            mime=mimetypes.guess_type(item.key)[0] or "application/octet-stream",
            size=item.size,
        )
        for item in found
        if "/" not in item.key[len(TaskPaths.keys(video_id).uploads_dir.as_posix()) + 1 :]
    ]

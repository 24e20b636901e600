"""Scene image uploads of a mediaMode ``upload`` task, stored by ``UseCases.save_uploads`` under the task's
``uploads/`` folder of the task storage (local folder or bucket); this module maps its errors to HTTP.

The client only names the video: the stored name is derived (sanitized) from the uploaded file name, the
type is sniffed from the bytes and the folder is the task's; one rejected file rejects the whole request.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import PurePosixPath

from media_pipeline.api.errors import ApiError
from media_pipeline.api.schemas import StoredFile
from media_pipeline.domain import TaskPaths
from media_pipeline.errors import PermanentError
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.store import TaskService
from media_pipeline.usecases import IncomingFile, UseCases

MAX_FILES_PER_REQUEST = 10
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def request_limit(settings: Settings) -> int:
    """Largest accepted multipart body: every file at its limit plus framing."""
    return settings.upload_max_bytes * MAX_FILES_PER_REQUEST + MULTIPART_OVERHEAD_BYTES


_STATUS_BY_CODE = {"PAYLOAD_TOO_LARGE": 413, "UNSUPPORTED_MEDIA_TYPE": 415}


@contextmanager
def upload_errors() -> Iterator[None]:
    """Turn a rejected upload into its API error: 413 over the size limit, 415 for data that is empty or
    not an accepted type; any other error passes unchanged."""
    try:
        yield
    except PermanentError as exc:
        status = _STATUS_BY_CODE.get(exc.code)
        if status is None:
            raise
        raise ApiError(status, str(exc), getattr(exc, "details", None)) from exc


def save_uploads(usecases: UseCases, video_id: str, files: Sequence[IncomingFile]) -> list[StoredFile]:
    """Store every file or none (``UseCases.save_uploads``): 409 unless the video's mediaMode is
    ``upload``, 413 for a file over ``upload_max_bytes``, 415 for data that is not an accepted image."""
    with upload_errors():
        stored = usecases.save_uploads(video_id, files)
    return [StoredFile(name=upload.name, mime=upload.mime, size=upload.size) for upload in stored]


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

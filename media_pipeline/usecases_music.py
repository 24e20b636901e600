"""Music library commands (docs/ARCHITECTURE.md §12): an uploaded track is streamed to a scratch folder
under the size limit, checked by ffprobe (a real MP3/AAC/M4A/WAV audio stream of an accepted length),
stored under its workspace's key and then recorded; deleting a track removes its row and its audio."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from media_pipeline.fsutil import atomic_path
from media_pipeline.media.music_track import TrackInfo, TrackRejectedError, inspect_track
from media_pipeline.providers.uploads import CHUNK_BYTES, UploadTooLargeError
from media_pipeline.storage import Storage
from media_pipeline.store import MusicLibrary, MusicTrackView, ValidationFailed
from media_pipeline.store.music import music_key, validated_fields
from media_pipeline.usecases import IncomingFile


def receive_upload(incoming: IncomingFile, folder: Path, max_bytes: int) -> Path:
    """The upload written to ``folder/upload``: UploadTooLargeError past ``max_bytes`` (nothing left),
    ValidationFailed on ``file`` when it is empty."""
    name = incoming.filename or "upload"
    if incoming.size is not None and incoming.size > max_bytes:
        raise UploadTooLargeError(f"{name!r} is larger than {max_bytes} bytes", {"limit": max_bytes})
    target, size = folder / "upload", 0
    with atomic_path(target) as tmp, tmp.open("wb") as out:
        for chunk in iter(lambda: incoming.file.read(CHUNK_BYTES), b""):
            size += len(chunk)
            if size > max_bytes:
                raise UploadTooLargeError(f"{name!r} is larger than {max_bytes} bytes", {"limit": max_bytes})
            out.write(chunk)
    if size == 0:
        raise _rejected(f"{name!r} is empty (0 bytes)")
    return target


def _rejected(message: str) -> ValidationFailed:
    return ValidationFailed(message, {"errors": [{"field": "file", "message": message, "type": "audio"}]})


def check_audio(local: Path, name: str) -> TrackInfo:
    """``inspect_track`` with its refusal as a ValidationFailed on ``file`` (422)."""
    try:
        return inspect_track(local, name)
    except TrackRejectedError as exc:
        raise _rejected(str(exc)) from exc


class MusicCommands:
    """The workspace's tracks together with their audio in the task storage."""

    def __init__(
        self, library: MusicLibrary, storage: Storage, *, max_bytes: int, scratch: Path | None
    ) -> None:
        self.library = library
        self.storage = storage
        self.max_bytes = max_bytes
        self.scratch = scratch

    def upload(self, incoming: IncomingFile, fields: Mapping[str, Any]) -> MusicTrackView:
        """Check the fields (ValidationFailed), then the audio (ValidationFailed on ``file`` when it is not
        an accepted track, UploadTooLargeError over the limit), store it and record the track; nothing is
        kept when any step fails."""
        checked = validated_fields(fields)
        with tempfile.TemporaryDirectory(prefix="media-pipeline-music-", dir=self.scratch) as tmp:
            local = receive_upload(incoming, Path(tmp), self.max_bytes)
            info = check_audio(local, incoming.filename or "upload")
            track_id = MusicLibrary.new_id()
            key = music_key(self.library.owner.workspace_id, track_id, info.ext)
            self.storage.upload(local, key)
            try:
                return self.library.add(
                    track_id,
                    checked,
                    key=key,
                    mime=info.mime,
                    size=local.stat().st_size,
                    duration_s=info.duration_s,
                )
            except Exception:
                self.storage.delete([key])
                raise

    def delete(self, track_id: str) -> MusicTrackView:
        """Delete the track and its audio (tasks naming it fail at their video stage with a clear error)."""
        view = self.library.delete(track_id)
        self.storage.delete([view.storage_key])
        return view

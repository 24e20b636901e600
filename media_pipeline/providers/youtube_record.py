"""The per-task upload record (``tasks/{task_id}/youtube_upload.json``) that prevents duplicate uploads.

It is written (atomically) before anything is sent to YouTube and updated as soon as the resumable
session URI and then the video id are known, so a retry after a crash at any point can resume the
session, adopt the finished video, or find it on the channel by its marker instead of uploading again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from media_pipeline.domain import TaskPaths, TaskSpec
from media_pipeline.fsutil import write_json_atomic

RECORD_NAME = "youtube_upload.json"


def upload_marker(task: TaskSpec) -> str:
    """The stable marker of one task generation, put in the description and the tags."""
    return f"media_pipeline:{task.task_id}:{task.generation}"


class UploadRecord(BaseModel):
    """What is known about one generation's upload; saved after every change."""

    marker: str
    video_size: int
    session_uri: str | None = None
    video_id: str | None = None
    thumbnail_set: bool = False
    updated_at: datetime | None = None

    @staticmethod
    def path(paths: TaskPaths) -> Path:
        """Where the record of the task lives."""
        return paths.dir / RECORD_NAME

    @classmethod
    def load(cls, paths: TaskPaths, marker: str) -> UploadRecord | None:
        """The saved record for ``marker``; None if there is none (or it belongs to another generation)."""
        try:
            record = cls.model_validate(json.loads(cls.path(paths).read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError, ValidationError):
            return None
        return record if record.marker == marker else None

    def save(self, paths: TaskPaths) -> None:
        """Persist atomically."""
        self.updated_at = datetime.now(UTC)
        write_json_atomic(self.path(paths), self.model_dump(mode="json"))

"""Provider interfaces shared by the media core, the Dagster assets and the concrete providers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from media_pipeline.domain import Script, TaskPaths, TaskSpec


class ScriptWriter(Protocol):
    """Writes the script document for a task."""

    name: str

    def write(self, task: TaskSpec) -> Script:
        """Return a validated script with exactly ``task.settings.image_count`` scenes."""
        ...


class ImageSource(Protocol):
    """Produces one image per scene at ``paths.scene_image(i)`` (written atomically)."""

    name: str

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Write and return exactly ``len(script.scenes)`` images, in scene order."""
        ...


class PublishResult(BaseModel):
    """Where a video went; ``uploaded_to_youtube`` is False for the local folder target."""

    target: str
    url: str
    video_id: str | None = None
    published_at: datetime
    uploaded_to_youtube: bool
    detail: str = ""


class PublishInput(BaseModel):
    """The files of one task to publish."""

    video: Path
    thumbnail: Path
    subtitles: Path
    story: Path
    credits: list[str] = []
    """Credit lines for the description (stock clips whose licence asks for one)."""


class Publisher(Protocol):
    """Publishes a finished video (YouTube or the local folder)."""

    name: str

    def publish(self, task: TaskSpec, script: Script, files: PublishInput, paths: TaskPaths) -> PublishResult:
        """Publish once; a retry after a crash must not publish a second copy."""
        ...

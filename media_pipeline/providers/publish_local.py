"""The default publisher: copies finished files to ``published/<task_id>/`` of the task storage (a local
folder or the bucket) with a manifest written last."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.providers.base import PublishInput, PublishResult
from media_pipeline.storage import Storage

PUBLISHED_PREFIX = "published"


class LocalFolderPublisher:
    """Publishes to the storage's ``published/`` folder; nothing is uploaded to YouTube (the result says
    so)."""

    name = "local"

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def publish(self, task: TaskSpec, script: Script, files: PublishInput, paths: TaskPaths) -> PublishResult:
        """Copy video, thumbnail, subtitles and script (each atomically), then write ``manifest.json``."""
        folder = f"{PUBLISHED_PREFIX}/{task.task_id}"
        copies = {
            "video": (files.video, "video.mp4"),
            "thumbnail": (files.thumbnail, "thumbnail.jpg"),
            "subtitles": (files.subtitles, "subtitles.srt"),
            "story": (files.story, "story.json"),
        }
        for source, name in copies.values():
            self.storage.upload(source, f"{folder}/{name}")
        published_at = datetime.now(UTC)
        url = self.storage.uri(f"{folder}/video.mp4")
        manifest = {
            "task_id": task.task_id,
            "generation": task.generation,
            "title": script.title,
            "description": script.description,
            "tags": script.tags,
            "privacy": task.settings.privacy.value,
            "publish_at": task.settings.publish_at.isoformat() if task.settings.publish_at else None,
            "published_at": published_at.isoformat(),
            "files": {key: name for key, (_, name) in copies.items()},
            "url": url,
        }
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        self.storage.write_bytes(f"{folder}/manifest.json", data)
        return PublishResult(
            target=self.name,
            url=url,
            published_at=published_at,
            uploaded_to_youtube=False,
            detail=f"Published to {self.storage.uri(folder)}; nothing was uploaded to YouTube.",
        )

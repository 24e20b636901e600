"""The default publisher: copies finished files to ``<storage>/published/<task_id>/`` with a manifest."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.fsutil import atomic_path, write_json_atomic
from media_pipeline.providers.base import PublishInput, PublishResult


class LocalFolderPublisher:
    """Publishes to a local folder; nothing is uploaded to YouTube (the result says so)."""

    name = "local"

    def __init__(self, published_root: Path) -> None:
        self.published_root = published_root

    def publish(self, task: TaskSpec, script: Script, files: PublishInput, paths: TaskPaths) -> PublishResult:
        """Copy video, thumbnail, subtitles and script atomically, then write ``manifest.json`` last."""
        target = self.published_root / task.task_id
        copies = {
            "video": (files.video, target / "video.mp4"),
            "thumbnail": (files.thumbnail, target / "thumbnail.jpg"),
            "subtitles": (files.subtitles, target / "subtitles.srt"),
            "story": (files.story, target / "story.json"),
        }
        for source, dest in copies.values():
            with atomic_path(dest) as tmp:
                shutil.copyfile(source, tmp)
        published_at = datetime.now(UTC)
        url = (target / "video.mp4").resolve().as_uri()
        manifest = {
            "task_id": task.task_id,
            "generation": task.generation,
            "title": script.title,
            "description": script.description,
            "tags": script.tags,
            "privacy": task.settings.privacy.value,
            "publish_at": task.settings.publish_at.isoformat() if task.settings.publish_at else None,
            "published_at": published_at.isoformat(),
            "files": {key: dest.name for key, (_, dest) in copies.items()},
            "url": url,
        }
        write_json_atomic(target / "manifest.json", manifest)
        return PublishResult(
            target=self.name,
            url=url,
            published_at=published_at,
            uploaded_to_youtube=False,
            detail=f"Published to local folder {target}; nothing was uploaded to YouTube.",
        )

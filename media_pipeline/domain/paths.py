"""Rule-based file locations of a task: every path derives from the storage root and task id
(docs/ARCHITECTURE.md §3, invariant 4)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from media_pipeline.domain.models import is_valid_task_id

HLS_MASTER = "master.m3u8"
"""File name of the HLS master playlist in a ladder folder (``TaskPaths.hls_dir``)."""


def clip_of(scene_image: Path) -> Path:
    """The generated clip next to a scene image (``scene_XX.png`` -> ``scene_XX.mp4``)."""
    return scene_image.with_suffix(".mp4")


@dataclass(frozen=True)
class TaskPaths:
    """Paths of one task's files under ``<root>/tasks/<task_id>/``."""

    root: Path
    task_id: str

    def __post_init__(self) -> None:
        if not is_valid_task_id(self.task_id):
            raise ValueError(f"invalid task id {self.task_id!r}")

    @classmethod
    def keys(cls, task_id: str) -> TaskPaths:
        """The same locations relative to the storage root: ``.as_posix()`` of each is its storage key
        (``tasks/<task_id>/story.json``, ...), on every storage backend."""
        return cls(Path(), task_id)

    @property
    def dir(self) -> Path:
        """The task folder ``<root>/tasks/<task_id>``."""
        return self.root / "tasks" / self.task_id

    @property
    def task_json(self) -> Path:
        """Snapshot of the generation's TaskSpec."""
        return self.dir / "task.json"

    @property
    def story_json(self) -> Path:
        """The script document."""
        return self.dir / "story.json"

    def scene_image(self, index: int) -> Path:
        """Image of scene ``index`` (``scene_XX.png``)."""
        return self.dir / f"scene_{index:02d}.png"

    def scene_clip(self, index: int) -> Path:
        """Video clip of scene ``index`` (``scene_XX.mp4``: generated (sora2), stock or uploaded)."""
        return clip_of(self.scene_image(index))

    @property
    def media_credits_json(self) -> Path:
        """Where each scene's clip came from (author, page, licence) or why it fell back to a still."""
        return self.dir / "media_credits.json"

    @property
    def uploads_dir(self) -> Path:
        """Uploaded scene images (mediaMode ``upload``)."""
        return self.dir / "uploads"

    @property
    def narration_dir(self) -> Path:
        """Per-sentence narration WAVs (a cache keyed by voice and text)."""
        return self.dir / "narration"

    @property
    def narration_wav(self) -> Path:
        """The joined narration track."""
        return self.dir / "narration.wav"

    @property
    def subtitles_srt(self) -> Path:
        """Subtitles as SRT."""
        return self.dir / "subtitles.srt"

    @property
    def subtitles_ass(self) -> Path:
        """Subtitles as ASS (the burned-in styling)."""
        return self.dir / "subtitles.ass"

    @property
    def music_wav(self) -> Path:
        """Background music track."""
        return self.dir / "music.wav"

    @property
    def segments_dir(self) -> Path:
        """Rendered per-scene video segments."""
        return self.dir / "segments"

    @property
    def output_mp4(self) -> Path:
        """The final video."""
        return self.dir / "output.mp4"

    @property
    def analysis_json(self) -> Path:
        """ffprobe/loudness analysis of the final video."""
        return self.dir / "analysis.json"

    @property
    def hls_dir(self) -> Path:
        """The HLS ladder (``master.m3u8``, ``<rendition>/index.m3u8`` and segments)."""
        return self.dir / "hls"

    @property
    def thumbnail_jpg(self) -> Path:
        """The thumbnail."""
        return self.dir / "thumbnail.jpg"

    @property
    def publish_json(self) -> Path:
        """The publish record."""
        return self.dir / "publish.json"

    def history_dir(self, generation: int) -> Path:
        """Where generation ``generation``'s outputs are moved when the next one starts."""
        return self.dir / "history" / str(generation)

    @property
    def published_root(self) -> Path:
        """Local publish target shared by all tasks."""
        return self.root / "published"

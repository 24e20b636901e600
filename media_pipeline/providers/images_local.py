"""mediaMode ``local``: scene images rendered offline by the media core (gradient + caption, Pillow)."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.errors import PermanentError
from media_pipeline.settings import Settings


class LocalImageSource:
    """Delegates to ``media.scenes.render_scenes`` with the configured (or auto-detected) font."""

    name = "local"

    def __init__(self, settings: Settings) -> None:
        self.font_path = settings.font_path

    def produce(self, task: TaskSpec, script: Script, paths: TaskPaths) -> list[Path]:
        """Render one image per scene at the video canvas size."""
        from media_pipeline.media.fonts import find_font
        from media_pipeline.media.scenes import render_scenes

        images = list(render_scenes(script, task.settings.resolution, paths, find_font(self.font_path)))
        if len(images) != len(script.scenes):
            raise PermanentError(f"local renderer wrote {len(images)} images for {len(script.scenes)} scenes")
        return images

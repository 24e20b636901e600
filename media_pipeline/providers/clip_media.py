"""A checked clip as a scene's media: the clip stored as ``scene_XX.mp4`` and its first frame, cover-fitted,
as ``scene_XX.png`` (task page, thumbnail); or, when the clip is bad, the scene's Pillow still
(docs/ARCHITECTURE.md §8, "Clips as scene media")."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from media_pipeline.domain import Scene, Script, TaskPaths, TaskSpec
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.clip_check import check_clip
from media_pipeline.media.fonts import find_font
from media_pipeline.media.frames import extract_frame
from media_pipeline.media.scenes import render_scene_image
from media_pipeline.providers.imaging import write_scene_image


def adopt_clip(source: Path, task: TaskSpec, scene: int, paths: TaskPaths, *, max_seconds: float) -> Path:
    """Check ``source`` (BadClipError naming the scene when it is unusable), store it as the scene's clip
    and its first frame as the scene image; returns the scene image."""
    check_clip(source, f"the clip of scene {scene}", max_seconds=max_seconds)
    clip = paths.scene_clip(scene)
    if source.resolve() != clip.resolve():
        clip.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(clip) as tmp:
            shutil.copyfile(source, tmp)
    with tempfile.TemporaryDirectory() as work:
        frame = extract_frame(clip, Path(work) / "first.png", 0.0)
        return write_scene_image(frame, task.settings.resolution, paths.scene_image(scene), f"scene {scene}")


def still_instead(script: Script, scene: Scene, task: TaskSpec, paths: TaskPaths, font: Path | None) -> Path:
    """The scene's Pillow still (no clip: any earlier clip file of the scene is removed)."""
    paths.scene_clip(scene.index).unlink(missing_ok=True)
    out = paths.scene_image(scene.index)
    return render_scene_image(scene, script.title, task.settings.resolution, out, find_font(font))

"""Per-generation file handling: snapshot ``task.json`` and archive the previous generation's outputs."""

from __future__ import annotations

import shutil

from media_pipeline.domain import TaskPaths, TaskSpec
from media_pipeline.fsutil import write_bytes_atomic

_OUTPUT_GLOBS = (
    "task.json",
    "story.json",
    "scene_*.png",
    "narration.wav",
    "music.wav",
    "subtitles.srt",
    "subtitles.ass",
    "output.mp4",
    "thumbnail.jpg",
    "publish.json",
    "youtube_upload.json",
)


def prepare_generation(paths: TaskPaths, spec: TaskSpec) -> None:
    """Write ``task.json`` for ``spec``; first move an older generation's outputs to ``history/<gen>/``.

    Nothing is deleted: outputs of generation g end up in ``history/g/`` when generation g+1 starts.
    """
    if paths.task_json.exists():
        previous = TaskSpec.model_validate_json(paths.task_json.read_bytes())
        if previous.generation < spec.generation:
            archive = paths.history_dir(previous.generation)
            archive.mkdir(parents=True, exist_ok=True)
            for pattern in _OUTPUT_GLOBS:
                for file in paths.dir.glob(pattern):
                    shutil.move(file, archive / file.name)
    write_bytes_atomic(paths.task_json, spec.model_dump_json(indent=2).encode())

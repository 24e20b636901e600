"""Per-generation file handling: snapshot ``task.json`` and archive the previous generation's outputs.

Works on any storage backend: keys are the rule-based task paths relative to the storage root.
"""

from __future__ import annotations

import re
from fnmatch import fnmatch

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.storage import Storage, StorageKeyError

_OUTPUT_GLOBS = (
    "task.json",
    "story.json",
    "scene_*.png",
    "narration.wav",
    "music.wav",
    "subtitles.srt",
    "subtitles.ass",
    "output.mp4",
    "analysis.json",
    "hls/*",
    "thumbnail.jpg",
    "publish.json",
    "youtube_upload.json",
)


def read_spec(storage: Storage, task_id: str) -> TaskSpec:
    """The snapshot ``task.json`` of the task's current generation."""
    try:
        data = storage.read_bytes(TaskPaths.keys(task_id).task_json.as_posix())
    except StorageKeyError as exc:
        raise FileNotFoundError(f"task {task_id} has no task.json in {storage.url}") from exc
    return TaskSpec.model_validate_json(data)


def first_line_chars(storage: Storage, task_id: str) -> int | None:
    """Characters of the first sentence the script narrates (None: the task has no readable script)."""
    try:
        story = Script.model_validate_json(storage.read_bytes(TaskPaths.keys(task_id).story_json.as_posix()))
    except (StorageKeyError, ValueError):
        return None
    if not story.scenes:
        return None
    return len(re.split(r"(?<=[.!?。])\s+", story.scenes[0].narration.strip(), maxsplit=1)[0])


def prepare_generation(storage: Storage, spec: TaskSpec) -> None:
    """Write ``task.json`` for ``spec``; first move an older generation's outputs to ``history/<gen>/``.

    Nothing is deleted: outputs of generation g end up in ``history/g/`` when generation g+1 starts.
    """
    keys = TaskPaths.keys(spec.task_id)
    task_json = keys.task_json.as_posix()
    if storage.exists(task_json):
        previous = TaskSpec.model_validate_json(storage.read_bytes(task_json))
        if previous.generation < spec.generation:
            folder = keys.dir.as_posix() + "/"
            archive = keys.history_dir(previous.generation)
            for key in storage.list_keys(keys.dir.as_posix()):
                name = key[len(folder) :]
                if any(fnmatch(name, pattern) for pattern in _OUTPUT_GLOBS):
                    storage.move(key, (archive / name).as_posix())
    storage.write_bytes(task_json, spec.model_dump_json(indent=2).encode())

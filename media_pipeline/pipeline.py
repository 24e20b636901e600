"""Python API: produce one task end to end in-process through Dagster, or materialize single stages.

Example::

    from media_pipeline.domain import TaskSpec, TaskSettings
    from media_pipeline.pipeline import produce_task

    spec = TaskSpec(task_id="demo1", title="서울의 가을", settings=TaskSettings(language="ko"))
    result = produce_task(spec)
    print(result.video, result.duration_s, result.url)

This path uses ``dagster.materialize`` with the task's partition: it bypasses the run queue (and its
per-stage limits) and the app DB; queue-driven work goes through the sensors instead.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg

from media_pipeline.domain import STAGES, Stage, TaskPaths, TaskSpec
from media_pipeline.orchestration.assets import ASSETS, STAGE_ASSETS
from media_pipeline.orchestration.partitions import TASK_PARTITIONS
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.orchestration.task_files import prepare_generation
from media_pipeline.providers.base import PublishResult
from media_pipeline.settings import Settings, get_settings
from media_pipeline.storage import open_storage


@dataclass(frozen=True)
class PublishedTask:
    """The published assets of a produced task: files on the local-folder backend; on object storage
    their keys (relative paths; read them through ``media_pipeline.storage``). ``video_uri`` names the
    video in the storage (``file://`` or ``s3://``)."""

    task_id: str
    video: Path
    video_uri: str
    thumbnail: Path
    subtitles: Path
    story: Path
    duration_s: float
    url: str
    publish: PublishResult
    analysis: dict[str, Any]
    """The video's published analysis (``analysis.json``: format, streams, loudness)."""

    @property
    def video_location(self) -> str:
        """Where the video is: its file on the local folder (absolute), else its storage URI."""
        return str(self.video) if self.video.is_absolute() else self.video_uri


def _or_environment(settings: Settings | None) -> Settings:
    """The caller's settings, else the environment's: the Python API is an entry point, and this is its
    one default; everything below receives the settings."""
    return settings if settings is not None else get_settings()


def _instance(instance: dg.DagsterInstance | None) -> dg.DagsterInstance:
    """The given instance, else ``$DAGSTER_HOME``'s, else an ephemeral one."""
    if instance is not None:
        return instance
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def materialize_stage(
    task_id: str,
    stages: str | list[str],
    *,
    settings: Settings | None = None,
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialize one or more stages of a task whose ``task.json`` exists; raises on failure."""
    wanted = [stages] if isinstance(stages, str) else list(stages)
    unknown = sorted(set(wanted) - set(STAGES))
    if unknown:
        raise ValueError(f"unknown stage(s) {unknown}; stages are {list(STAGES)}")
    instance = _instance(instance)
    if not instance.has_dynamic_partition(TASK_PARTITIONS, task_id):
        instance.add_dynamic_partitions(TASK_PARTITIONS, [task_id])
    return dg.materialize(
        ASSETS,
        selection=[key for stage in wanted for key in STAGE_ASSETS[Stage(stage)].keys],
        partition_key=task_id,
        instance=instance,
        resources=build_resources(_or_environment(settings)),
    )


def produce_task(
    spec: TaskSpec, *, settings: Settings | None = None, instance: dg.DagsterInstance | None = None
) -> PublishedTask:
    """Run all stages of ``spec`` in this process and return the published assets."""
    settings = _or_environment(settings)
    storage = open_storage(settings)
    storage.check()
    prepare_generation(storage, spec)
    active = _instance(instance)
    try:
        materialize_stage(spec.task_id, list(STAGES), settings=settings, instance=active)
    finally:
        if active is not instance:  # created here, so disposed here
            active.dispose()
    return published_task(spec.task_id, settings=settings)


def published_task(task_id: str, *, settings: Settings | None = None) -> PublishedTask:
    """The published assets of a task whose publish stage has run."""
    storage = open_storage(_or_environment(settings))
    keys = TaskPaths.keys(task_id)
    local = storage.local_path(keys.dir.as_posix())
    paths = keys if local is None else TaskPaths(local.parent.parent, task_id)
    if not storage.exists(keys.publish_json.as_posix()):
        raise FileNotFoundError(f"task {task_id} has not been published yet")
    publish = PublishResult.model_validate_json(storage.read_bytes(keys.publish_json.as_posix()))
    analysis = json.loads(storage.read_bytes(keys.analysis_json.as_posix()))
    return PublishedTask(
        task_id=task_id,
        video=paths.output_mp4,
        video_uri=storage.uri(keys.output_mp4.as_posix()),
        thumbnail=paths.thumbnail_jpg,
        subtitles=paths.subtitles_srt,
        story=paths.story_json,
        duration_s=float(analysis["format"]["duration_s"]),
        url=publish.url,
        publish=publish,
        analysis=analysis,
    )


def local_video(task: PublishedTask, folder: Path, *, settings: Settings | None = None) -> Path:
    """A local file of the task's video, to probe or play: the file itself on the local folder, else a
    download into ``folder``."""
    storage = open_storage(_or_environment(settings))
    key = TaskPaths.keys(task.task_id).output_mp4.as_posix()
    return storage.local_path(key) or storage.download(key, folder / "output.mp4")

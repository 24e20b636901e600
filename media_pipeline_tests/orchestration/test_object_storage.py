"""Stages as stateless workers on S3-compatible storage (moto server on loopback): the Python API produces
a task whose files all live in the bucket; nothing is left on the local disk; ``media-pipeline demo``
prints the video's storage URI and exits 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from media_pipeline.domain import TaskSpec
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.pipeline import produce_task
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.orchestration.layout import rule_based_keys

SMALL = {"imageCount": 2, "targetDurationS": 5, "renderHeight": 320, "fps": 10, "language": "ko"}


@pytest.fixture
def s3_settings(s3_bucket: str, tmp_path: Path, entry_point_env: EntryPointEnv) -> Settings:
    """Object storage settings, read by the in-process stages' Dagster resources from the environment."""
    return entry_point_env.set(
        data_dir=tmp_path / "var",
        storage_root=tmp_path / "empty-root",
        storage_url=f"s3://{s3_bucket}/media",
        publisher="local",
        scratch_dir=tmp_path / "scratch",
    )


@pytest.mark.slow
def test_task_on_object_storage_leaves_nothing_on_local_disk(
    s3_settings: Settings, instance, tmp_path
) -> None:
    spec = TaskSpec(task_id="s3-short", title="가을 바다", settings={**SMALL, "type": "shortform"})
    first = produce_task(spec, instance=instance)

    storage = open_storage(s3_settings)
    keys = set(storage.list_keys("tasks/s3-short"))
    assert rule_based_keys("s3-short", 2) <= keys
    renditions = {k for k in keys if k.endswith("/index.m3u8")}
    assert renditions == {"tasks/s3-short/hls/180p/index.m3u8"}  # a 180x320 source: one rung
    assert not [k for k in keys if "/segments/" in k or "/narration/" in k]  # caches stay local
    assert set(storage.list_keys("published/s3-short")) == {
        f"published/s3-short/{name}"
        for name in ("video.mp4", "thumbnail.jpg", "subtitles.srt", "story.json", "manifest.json")
    }
    assert first.url == storage.uri("published/s3-short/video.mp4")
    assert str(first.video) == "tasks/s3-short/output.mp4" and first.duration_s > 3
    assert first.video_location == first.video_uri == storage.uri("tasks/s3-short/output.mp4")

    video = storage.download("tasks/s3-short/output.mp4", tmp_path / "check" / "output.mp4")
    assert check_video(summarize(video), width=180, height=320, fps=10) == []
    analysis = json.loads(storage.read_bytes("tasks/s3-short/analysis.json"))
    assert analysis["loudness"]["integrated_lufs"] < 0

    # Nothing relied on (or was left on) the local disk: no storage root, no scratch folders.
    assert not (tmp_path / "empty-root").exists()
    assert list((tmp_path / "scratch").iterdir()) == []

    # The next generation archives the previous outputs inside the bucket.
    produce_task(spec.model_copy(update={"generation": 2, "title": "두 번째"}), instance=instance)
    history = set(storage.list_keys("tasks/s3-short/history/1"))
    assert {k.replace("/history/1", "") for k in history} >= rule_based_keys("s3-short", 2)
    assert json.loads(storage.read_bytes("tasks/s3-short/story.json"))["title"] == "두 번째"


@pytest.mark.slow
def test_demo_on_object_storage_prints_where_the_video_is_and_exits_0(
    s3_settings: Settings, s3_bucket: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DAGSTER_HOME"}
    demo = subprocess.run(
        [sys.executable, "-m", "media_pipeline.cli", "demo", "--task-id", "s3-demo", "--duration", "5"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert demo.stdout.strip().splitlines()[-1] == f"s3://{s3_bucket}/media/tasks/s3-demo/output.mp4"
    assert "loudness" in demo.stderr and "published: s3://" in demo.stderr
    video = open_storage(s3_settings).download("tasks/s3-demo/output.mp4", tmp_path / "demo.mp4")
    assert summarize(video).duration > 3
    assert not (tmp_path / "empty-root").exists()

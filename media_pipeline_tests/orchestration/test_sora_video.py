"""End-to-end: a mediaMode sora2 task produced through Dagster against a loopback fake of the Videos API
serving a real ffmpeg clip: the published video moves like the clip in its scenes (not a still of it)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.domain import TaskPaths, TaskSpec
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.pipeline import produce_task
from media_pipeline.settings import Settings
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.media.clips import colour_distance, mean_colour
from media_pipeline_tests.providers.fake_videos import VideosFake, make_clip
from media_pipeline_tests.providers.fakeserver import FakeServer


@pytest.mark.slow
def test_sora2_task_video_shows_the_clips_motion(
    settings: Settings, instance: dg.DagsterInstance, entry_point_env: EntryPointEnv, tmp_path: Path
) -> None:
    fake = VideosFake(make_clip(tmp_path / "clip.mp4").read_bytes())
    with FakeServer(fake) as server:
        sora = entry_point_env.set(  # read by the image source resource
            sora_base_url=f"{server.base_url}/v1", sora_api_key="sk-test", sora_poll_interval_s=0.01
        )
        options = {"mediaMode": "sora2", "imageCount": 2, "targetDurationS": 6, "renderHeight": 320}
        spec = TaskSpec(task_id="sora-e2e", title="Moving colours", settings={**options, "language": "en"})
        result = produce_task(spec, settings=sora, instance=instance)

    assert len(fake.created) == 2
    paths = TaskPaths(sora.resolved_storage_root, "sora-e2e")
    assert all(paths.scene_clip(i).read_bytes() == fake.clip for i in range(2))
    summary = summarize(result.video)
    assert check_video(summary, width=180, height=320, fps=30) == []
    top = "180:100:0:0"  # above the subtitles
    assert colour_distance(mean_colour(result.video, 0.05, top), mean_colour(result.video, 0.55, top)) > 150
    assert colour_distance(mean_colour(result.video, 0.05, top), mean_colour(result.video, 1.05, top)) < 60

"""mediaMode sora2 makes video: the clip the (loopback fake) Videos API renders becomes its scene's moving
picture in the real render: looped to the scene's length, resampled, scaled and cropped to the frame, its
own audio dropped; a scene without a clip keeps its Ken Burns still."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import SecretStr

from media_pipeline.domain import TaskPaths
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.media.render import render_video
from media_pipeline.providers.ai_images import SoraImageSource
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings
from media_pipeline_tests.media.clips import colour_distance, command_output, ffmpeg_cmd, mean_colour
from media_pipeline_tests.media.conftest import TinyTask
from media_pipeline_tests.providers.fake_videos import VideosFake, make_clip
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import make_script, make_task

CLIP_PERIOD_S = 1.0
"""The test clip's colour turns once round the hue circle per second and the clip is that long."""


def _audio_md5(video: Path) -> bytes:
    return command_output(ffmpeg_cmd("-i", str(video), "-map", "0:a", "-f", "md5", "-"))


def _streams(media: Path) -> list[str]:
    argv = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type", "-of", "json", str(media)]
    return [stream["codec_type"] for stream in json.loads(command_output(argv))["streams"]]


@pytest.fixture(scope="module")
def sora_scenes(tmp_path_factory: pytest.TempPathFactory) -> tuple[TaskPaths, VideosFake]:
    """The sora2 source's scene stills and clips for a 3-scene task, made against the fake Videos API."""
    tmp = tmp_path_factory.mktemp("sora")
    fake = VideosFake(make_clip(tmp / "clip.mp4", seconds=CLIP_PERIOD_S).read_bytes())
    paths = TaskPaths(tmp / "storage", "sora-task")
    with FakeServer(fake) as server:
        settings = Settings(
            data_dir=tmp / "var", sora_base_url=f"{server.base_url}/v1", sora_api_key=SecretStr("sk")
        )
        task = make_task(mediaMode="sora2")
        source = SoraImageSource(settings, backoff=Backoff(sleep=lambda _s: None), sleep=lambda _s: None)
        source.produce(task, make_script(task), paths)
    assert len(fake.created) == 3  # one paid clip per scene
    return paths, fake


def test_a_clip_is_the_scenes_moving_picture_looped_cropped_and_silent(
    tiny_task: TinyTask, sora_scenes: tuple[TaskPaths, VideosFake], tmp_path: Path
) -> None:
    paths, _fake = sora_scenes
    first_scene_s = tiny_task.narration.scene_durations[0]
    assert first_scene_s > CLIP_PERIOD_S + 0.3, "scene 0 must outlast the clip to show the loop"
    assert _streams(paths.scene_clip(0)) == ["video", "audio"]  # the clip has its own (3 kHz) audio
    stills = [paths.scene_image(i) for i in range(3)]
    with_clips = tiny_task.render_spec(scene_images=stills, scene_clips=[paths.scene_clip(0), None, None])
    out = render_video(with_clips, tmp_path / "clips.mp4", tmp_path / "segments").path
    still_only = render_video(
        tiny_task.render_spec(scene_images=stills), tmp_path / "stills.mp4", tmp_path / "s2"
    ).path

    summary = summarize(out)
    assert check_video(summary, width=tiny_task.width, height=tiny_task.height, fps=tiny_task.fps) == []
    top = f"{tiny_task.width}:{tiny_task.height // 3}:0:0"  # above the burned-in subtitles
    start, half, period = 0.05, 0.05 + CLIP_PERIOD_S / 2, 0.05 + CLIP_PERIOD_S
    # motion: half a turn of the hue circle later the picture has another colour (a still's move cannot)
    assert colour_distance(mean_colour(out, start, top), mean_colour(out, half, top)) > 150
    # looped: one clip length later the colour is back
    assert colour_distance(mean_colour(out, start, top), mean_colour(out, period, top)) < 60
    # the still-only render of the same scene keeps its colour over that time (Ken Burns of one image)
    assert colour_distance(mean_colour(still_only, start, top), mean_colour(still_only, half, top)) < 60
    # scaled and cropped to cover the 9:16 frame: a corner shows the clip's colour, not a black bar
    assert sum(mean_colour(out, start, "8:8:0:0")) > 120
    # the clip's own audio is gone: the audio track is the narration's, bit for bit the same as without clips
    assert _streams(out) == ["video", "audio"]
    assert _audio_md5(out) == _audio_md5(still_only)

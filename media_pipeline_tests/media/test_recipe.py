"""The video recipe without Dagster: a short Korean clip rendered from plain inputs, checked with ffprobe."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from media_pipeline.domain import TaskPaths, TaskSettings
from media_pipeline.media.recipe import RENDER_END, VideoInputs, make_video
from media_pipeline.media.scenes import render_scenes
from media_pipeline.providers.narrators.espeak import EspeakNarrator

from .conftest import TINY_FPS, TINY_SIZE, make_script


def _ffprobe(path: Path) -> dict:
    """ffprobe's streams and format of ``path``."""
    argv = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)]
    return json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)


def test_recipe_renders_a_checked_video_from_plain_inputs(tmp_path: Path, font: Path) -> None:
    paths = TaskPaths(tmp_path, "recipe")
    script = make_script(scenes=2)
    render_scenes(script, TINY_SIZE, paths, font)
    settings = TaskSettings.model_validate(
        {"renderHeight": TINY_SIZE[1], "fps": TINY_FPS, "targetDurationS": 5, "music": True}
    )
    reports: list[tuple[float, str]] = []

    video = make_video(
        VideoInputs(script, settings, paths, font), EspeakNarrator("ko"), lambda *r: reports.append(r)
    )

    info = _ffprobe(paths.output_mp4)
    streams = {s["codec_type"]: s for s in info["streams"]}
    assert (streams["video"]["width"], streams["video"]["height"]) == TINY_SIZE
    assert streams["video"]["r_frame_rate"] == f"{TINY_FPS}/1"
    assert "audio" in streams
    assert abs(float(info["format"]["duration"]) - video.narration.duration) < 0.5
    assert video.problems == [] and video.loudness_problems == []
    video.raise_if_invalid()
    assert video.outputs == [
        paths.narration_wav,
        paths.subtitles_srt,
        paths.subtitles_ass,
        paths.music_wav,
        paths.output_mp4,
    ]
    assert all(p.stat().st_size > 0 for p in video.outputs)
    assert "두 번째 장면입니다!" in paths.subtitles_srt.read_text()  # the narration, as subtitles
    percents = [pct for pct, _ in reports]
    assert percents == sorted(percents) and percents[-1] == RENDER_END
    assert reports[0][1].startswith("narration ")

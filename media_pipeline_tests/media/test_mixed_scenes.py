"""Stills and clips in one video (docs/ARCHITECTURE.md §8, "Clips as scene media"), checked on the real
render by ffprobe and by pixels: two clips made by ffmpeg (testsrc: a landscape one shorter than its scene,
so it loops, and a portrait one at another frame rate, longer than its scene, so it is trimmed) between two
Ken Burns stills. Clip scenes move every frame, still scenes only by the camera's slow move; every scene
lasts its planned frames; audio and video end together; the segment cache reuses unchanged scenes and
re-renders only the scene whose clip bytes changed; the clips' own sound is dropped, or, when the task asks,
heard in the clip scenes only, under the narration, and the mix stays at -14 LUFS."""

from __future__ import annotations

import itertools
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from media_pipeline.media.kenburns import frame_counts
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.media.process import run_process
from media_pipeline.media.render import RenderSpec, render_video
from media_pipeline_tests.media.clips import command_output, ffmpeg_cmd
from media_pipeline_tests.media.conftest import TinyTask

PROBE_SIZE = (36, 21)
"""Frames are compared at this size (the top third of the frame, above the burned-in subtitles)."""
CLIP_MOTION = 20.0
"""Mean absolute grey-level change between consecutive frames: above this a scene moves like video (the
test clips change by ~80-140 a frame, a Ken Burns still by ~0.4-1.5)."""


def frame_changes(video: Path, width: int, height: int) -> list[float]:
    """For every frame after the first: the mean absolute grey-level difference to the frame before, over
    the top third of the picture."""
    crop = f"crop={width}:{height // 3}:0:0,scale={PROBE_SIZE[0]}:{PROBE_SIZE[1]}:flags=area,format=gray"
    raw = command_output(ffmpeg_cmd("-i", str(video), "-vf", crop, "-f", "rawvideo", "-"))
    size = PROBE_SIZE[0] * PROBE_SIZE[1]
    frames = [raw[i : i + size] for i in range(0, len(raw), size)]
    return [sum(abs(a - b) for a, b in zip(x, y, strict=True)) / size for x, y in itertools.pairwise(frames)]


TONE_HZ = 12000
"""The clips' own sound: a tone above anything in the narration (espeak-ng speaks at 22.05 kHz, so its
voice has nothing above 11 kHz)."""


def moving_clip(out: Path, *, width: int, height: int, seconds: float, fps: int) -> Path:
    """ffmpeg's testsrc scrolled sideways by a tenth of its width per frame (so every part of the picture
    changes each frame), with a 12 kHz tone of its own, H.264/AAC."""
    video = f"testsrc=size={width}x{height}:rate={fps}:duration={seconds},scroll=horizontal=0.1"
    tone = f"sine=frequency={TONE_HZ}:duration={seconds},volume=0.5"
    args = ["-f", "lavfi", "-i", video, "-f", "lavfi", "-i", tone]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    run_process(ffmpeg_cmd(*args, str(out)), timeout=120)
    return out


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 1 s landscape clip at 10 fps and a 6 s portrait clip at 25 fps."""
    tmp = tmp_path_factory.mktemp("clips")
    landscape = moving_clip(tmp / "landscape.mp4", width=320, height=180, seconds=1.0, fps=10)
    portrait = moving_clip(tmp / "portrait.mp4", width=180, height=320, seconds=6.0, fps=25)
    return landscape, portrait


def mixed_spec(tiny_task: TinyTask, landscape: Path, portrait: Path) -> RenderSpec:
    """Four scenes sharing the narration equally: still, clip, still, clip."""
    quarter = tiny_task.narration.duration / 4
    images = [*tiny_task.images, tiny_task.images[0]]
    return tiny_task.render_spec(
        scene_images=images, scene_durations=[quarter] * 4, scene_clips=[None, landscape, None, portrait]
    )


def test_clip_scenes_move_still_scenes_do_not_and_each_lasts_its_frames(
    tiny_task: TinyTask, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    spec = mixed_spec(tiny_task, *clips)
    result = render_video(spec, tmp_path / "mixed.mp4", tmp_path / "segments")

    summary = summarize(result.path)
    assert check_video(summary, width=spec.width, height=spec.height, fps=spec.fps, tolerance_s=0.1) == []
    assert summary.audio_duration is not None
    assert abs(summary.audio_duration - summary.video_duration) <= 0.1
    counts = frame_counts(spec.scene_durations, spec.fps)
    changes = frame_changes(result.path, spec.width, spec.height)
    assert len(changes) + 1 == sum(counts)  # every planned frame is in the video, no more
    start = 0
    for scene, frames in enumerate(counts):
        inside = changes[start : start + frames - 1]  # changes between frames of this scene only
        if spec.scene_clips[scene] is None:
            assert max(inside) < CLIP_MOTION, f"still scene {scene} moved like video: {inside}"
            assert sum(inside) / len(inside) > 0.1, f"still scene {scene} lost its Ken Burns move: {inside}"
        else:
            assert min(inside) > CLIP_MOTION, f"clip scene {scene} stood still: {inside}"
        start += frames


def test_the_segment_cache_covers_clips_by_their_bytes(
    tiny_task: TinyTask, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    landscape, portrait = clips
    own = tmp_path / "own.mp4"
    own.write_bytes(portrait.read_bytes())
    spec = mixed_spec(tiny_task, landscape, own)
    work = tmp_path / "segments"
    first = render_video(spec, tmp_path / "a.mp4", work)
    assert first.segments_cached == 0
    again = render_video(spec, tmp_path / "b.mp4", work)
    assert (again.segments_rendered, again.segments_cached) == (0, first.segments_rendered)
    moving_clip(own, width=180, height=320, seconds=2.0, fps=24)  # same name, other bytes
    changed = render_video(spec, tmp_path / "c.mp4", work)
    assert changed.segments_rendered == 1  # only the last scene's segment
    assert changed.segments_cached == first.segments_rendered - 1


def tone_level_db(video: Path, start_s: float, seconds: float) -> float:
    """The mean level (dBFS) of the 12 kHz band of ``video``'s audio in ``start_s .. start_s + seconds``."""
    band = f"atrim={start_s:.3f}:{start_s + seconds:.3f},bandpass=f={TONE_HZ}:width_type=q:w=8,volumedetect"
    argv = ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(video), "-af", band, "-f", "null", "-"]
    report = subprocess.run(argv, capture_output=True, text=True, check=True, timeout=60).stderr
    (mean,) = re.findall(r"mean_volume: (-?[\d.]+) dB", report)
    return float(mean)


def test_the_clips_sound_is_heard_in_their_scenes_only_when_asked(
    tiny_task: TinyTask, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    spec = mixed_spec(tiny_task, *clips)
    silent = render_video(spec, tmp_path / "silent.mp4", tmp_path / "a")
    heard = render_video(replace(spec, clip_audio=True), tmp_path / "heard.mp4", tmp_path / "a")

    assert heard.segments_rendered == 0  # the pictures are the same: only the mix changed
    assert abs(heard.master_loudness.integrated_lufs + 14) <= 1
    bounds = list(itertools.accumulate(frame_counts(spec.scene_durations, spec.fps), initial=0))
    windows = [(a / spec.fps + 0.1, (b - a) / spec.fps - 0.2) for a, b in itertools.pairwise(bounds)]
    clip_scene, still_scene = windows[1], windows[2]
    # measured: +15.6 dB in a clip scene; a still scene's band is unchanged (within the mixes' gain step)
    assert tone_level_db(heard.path, *clip_scene) > tone_level_db(silent.path, *clip_scene) + 10
    assert abs(tone_level_db(heard.path, *still_scene) - tone_level_db(silent.path, *still_scene)) < 1

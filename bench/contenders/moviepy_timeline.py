"""The same timeline rendered the way peers do it with MoviePy 2.x.

Per scene an ImageClip whose size (zoom) or position (pan) is a function of time inside a CompositeVideoClip
of the output size (MoviePy resizes every frame with Pillow), the scenes concatenated, subtitles as TextClip
overlays (the Hangul font found by :func:`media_pipeline.media.fonts.find_font`, sizes and line breaks of
our ASS layout), the narration as AudioFileClip, and ``write_videofile`` with libx264 at our preset/CRF,
yuv420p, AAC 128k 44.1 kHz and +faststart. MoviePy is pointed at the system ffmpeg (the same libx264).
"""

from __future__ import annotations

import os
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.timeline import Timeline
from media_pipeline.media.kenburns import ZOOM, Motion, motion_for
from media_pipeline.media.render import AUDIO_RATE
from media_pipeline.media.subtitles import AssLayout, wrap_text


def _scene_clip(image: str, index: int, duration: float, size: tuple[int, int]) -> Any:
    """One scene: the image zooming or panning over ``duration`` seconds (same moves as ours)."""
    from moviepy import CompositeVideoClip, ImageClip

    width, height = size
    motion = motion_for(index)
    base = ImageClip(image, duration=duration)

    def progress(t: float) -> float:
        return min(1.0, max(0.0, t / duration))

    if motion in (Motion.ZOOM_IN, Motion.ZOOM_OUT):
        start, end = (1.0, 1 + ZOOM) if motion is Motion.ZOOM_IN else (1 + ZOOM, 1.0)
        moving = base.resized(lambda t: start + (end - start) * progress(t)).with_position("center")
    else:
        extra_w, extra_h = width * ZOOM, height * ZOOM
        sign = 1.0 if motion is Motion.PAN_RIGHT else -1.0
        offset = 0.0 if motion is Motion.PAN_RIGHT else 1.0
        moving = base.resized(1 + ZOOM).with_position(
            lambda t: (-extra_w * (offset + sign * progress(t)), -extra_h / 2)
        )
    return CompositeVideoClip([moving], size=size).with_duration(duration)


def _subtitle_clips(timeline: Timeline) -> list[Any]:
    """TextClip overlays at the bottom centre, one per cue, with our ASS font size, outline and wraps."""
    from moviepy import TextClip

    layout = AssLayout.for_frame(timeline.width, timeline.height)
    clips = []
    for cue in timeline.cue_list():
        text = TextClip(
            font=timeline.font,
            text="\n".join(wrap_text(cue.text, layout.max_units)),
            font_size=layout.font_size,
            color="white",
            stroke_color="black",
            stroke_width=layout.outline,
            method="label",
            text_align="center",
        )
        top = timeline.height - layout.margin_v - text.h
        clips.append(
            text.with_start(cue.start).with_duration(cue.end - cue.start).with_position(("center", top))
        )
    return clips


def render(timeline: Timeline, out: Path, work_dir: Path) -> dict[str, Any]:
    """Render the timeline with MoviePy to ``out``."""
    os.environ.setdefault("FFMPEG_BINARY", shutil.which("ffmpeg") or "ffmpeg")
    from moviepy import AudioFileClip, CompositeVideoClip, concatenate_videoclips

    work_dir.mkdir(parents=True, exist_ok=True)
    size = (timeline.width, timeline.height)
    scenes = [
        _scene_clip(image, index, duration, size)
        for index, (image, duration) in enumerate(
            zip(timeline.scene_images, timeline.scene_durations, strict=True)
        )
    ]
    video = CompositeVideoClip([concatenate_videoclips(scenes), *_subtitle_clips(timeline)], size=size)
    narration = AudioFileClip(timeline.narration_wav)
    video = video.with_duration(timeline.duration_s).with_audio(narration)
    spec = timeline.render_spec()
    video.write_videofile(
        str(out),
        fps=timeline.fps,
        codec="libx264",
        preset=spec.preset,
        pixel_format="yuv420p",
        ffmpeg_params=["-crf", str(spec.crf), "-movflags", "+faststart"],
        audio_codec="aac",
        audio_bitrate="128k",
        audio_fps=AUDIO_RATE,
        temp_audiofile_path=str(work_dir),
        logger=None,
    )
    video.close()
    narration.close()
    # moviepy.__version__ says 2.1.2 in the 2.2.1 wheel: ask the installed distribution.
    return {"moviepy": version("moviepy"), "ffmpeg_binary": os.environ["FFMPEG_BINARY"]}

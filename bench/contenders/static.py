"""Lower bound: the still scene images and the narration in ONE ffmpeg command with our encoder settings.

No Ken Burns motion and no subtitles: concat demuxer with per-image durations, ``fps`` to the output rate,
libx264 with exactly our segments' encoder arguments (preset, CRF, ``-x264-params``, pixel format) and the
same AAC settings as our final pass. x264 keeps its default threads here (one command has the whole machine;
our segments run one thread each, two at a time), so the bound is as fast as it gets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ffmpeg

from bench.timeline import Timeline
from media_pipeline.media.ffgraph import compile_graph, run_graph
from media_pipeline.media.render import AUDIO_CODEC, plan_segments


def _quote(path: str) -> str:
    return "'" + str(Path(path).resolve()).replace("'", "'\\''") + "'"


def concat_list(timeline: Timeline, path: Path) -> Path:
    """ffconcat of the images with their durations (the last image is repeated so its duration holds)."""
    lines = ["ffconcat version 1.0"]
    for image, duration in zip(timeline.scene_images, timeline.scene_durations, strict=True):
        lines += [f"file {_quote(image)}", f"duration {duration:.6f}"]
    lines.append(f"file {_quote(timeline.scene_images[-1])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def video_codec(timeline: Timeline, work_dir: Path) -> dict[str, Any]:
    """Exactly the video encoder arguments our segments use."""
    spec = timeline.render_spec()
    return plan_segments(spec, work_dir, timeline.duration_s)[0].codec


def render(timeline: Timeline, out: Path, work_dir: Path) -> dict[str, Any]:
    """Render the static video to ``out``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    listing = concat_list(timeline, work_dir / "stills.ffconcat")
    # Convert each image once, then repeat its frame to the output rate.
    video = (
        ffmpeg.input(str(listing), f="concat", safe=0)
        .video.filter("scale", timeline.width, timeline.height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
        .filter("fps", timeline.fps)
    )
    narration = ffmpeg.input(timeline.narration_wav).audio
    codec = {**video_codec(timeline, work_dir), **AUDIO_CODEC}
    graph = ffmpeg.output(
        video, narration, str(out), t=f"{timeline.duration_s:.6f}", **codec, movflags="+faststart", f="mp4"
    )
    run_graph(graph, timeout=3600)
    return {"command": " ".join(compile_graph(graph))}

"""Visual quality check of the render benchmark: SSIM of our output against the segments as rendered before
issue 15 (one zoompan per scene over a 2x cover of the image, negotiated to yuv420p, libx264 veryfast CRF
23 with its default subme 2 and threads, subtitles burned in per scene), kept here as the reference."""

from __future__ import annotations

import subprocess
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from bench.timeline import Timeline
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.ffmpeg import FFMPEG
from media_pipeline.media.kenburns import ZOOM, Motion, motion_for

REFERENCE_CODEC = {"c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p"}


def _scene_video(timeline: Timeline, index: int, start: int, frames: int) -> Stream:
    progress = f"on/{max(frames - 1, 1)}"
    centre_x, centre_y = "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"
    zoom, x = {
        Motion.ZOOM_IN: (f"1+{ZOOM}*{progress}", centre_x),
        Motion.ZOOM_OUT: (f"{1 + ZOOM}-{ZOOM}*{progress}", centre_x),
        Motion.PAN_RIGHT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*{progress}"),
        Motion.PAN_LEFT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*(1-{progress})"),
    }[motion_for(index)]
    w, h, fps = timeline.width, timeline.height, timeline.fps
    subtitles = str(Path(timeline.subtitles_ass).resolve())
    fonts = str(Path(timeline.font).parent.resolve())
    return (
        ffmpeg.input(timeline.scene_images[index])
        .filter("scale", 2 * w, 2 * h, force_original_aspect_ratio="increase", flags="lanczos")
        .filter("crop", 2 * w, 2 * h)
        .filter("setsar", 1)
        .filter("zoompan", z=zoom, x=x, y=centre_y, d=frames, s=f"{w}x{h}", fps=fps)
        .filter("format", "yuv420p")
        .filter("setpts", expr=f"PTS+{start}/{fps}/TB")
        .filter("subtitles", filename=subtitles, fontsdir=fonts)
        .filter("setpts", expr="PTS-STARTPTS")
    )


def render_reference(timeline: Timeline, out: Path, work_dir: Path) -> Path:
    """The timeline's video (no audio) rendered the pre-issue-15 way, to ``out``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    listing = ["ffconcat version 1.0"]
    start = 0
    for index, frames in enumerate(timeline.frames):
        segment = work_dir / f"reference-{index:02d}.mp4"
        options = {"frames:v": frames, **REFERENCE_CODEC, "an": None}
        run_graph(_scene_video(timeline, index, start, frames).output(str(segment), **options), timeout=3600)
        listing.append(f"file '{segment.resolve()}'")
        start += frames
    concat = work_dir / "reference.ffconcat"
    concat.write_text("\n".join(listing) + "\n", encoding="utf-8")
    run_graph(ffmpeg.input(str(concat), f="concat", safe=0).output(str(out), c="copy"), timeout=600)
    return out


def ssim(video: Path, reference: Path) -> float:
    """Mean SSIM (all planes) of ``video`` against ``reference``, frame by frame, over the shorter one."""
    cmd = [FFMPEG, "-hide_banner", "-nostdin", "-i", str(video), "-i", str(reference)]
    cmd += ["-lavfi", "[0:v][1:v]ssim=shortest=1", "-f", "null", "-"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(done.stderr.rsplit("All:", 1)[1].split()[0])


def video_stream_bytes(path: Path) -> int:
    """Size of the first video stream's packets in bytes."""
    cmd = [
        "ffprobe",
        "-v",
        "error",
        "-select_streams",
        "v:0",
        "-show_entries",
        "packet=size",
        "-of",
        "csv=p=0",
    ]
    done = subprocess.run([*cmd, str(path)], capture_output=True, text=True, check=True)
    return sum(int(line) for line in done.stdout.split())

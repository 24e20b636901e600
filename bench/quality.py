"""Visual quality check of the render benchmark: SSIM of our output against the segments as rendered before
issue 15 (one zoompan per scene over a 2x cover of the image, negotiated to yuv420p, libx264 veryfast CRF
23 with its default subme 2 and threads, subtitles burned in per scene), kept here as the reference."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.timeline import Timeline
from media_pipeline.media.ffmpeg import FFMPEG, escape_filter_value, ffmpeg_cmd
from media_pipeline.media.kenburns import ZOOM, Motion, motion_for
from media_pipeline.media.process import run_process

REFERENCE_CODEC = ("-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p")


def _scene_filter(timeline: Timeline, index: int, start: int, frames: int) -> str:
    progress = f"on/{max(frames - 1, 1)}"
    centre_x, centre_y = "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"
    zoom, x = {
        Motion.ZOOM_IN: (f"1+{ZOOM}*{progress}", centre_x),
        Motion.ZOOM_OUT: (f"{1 + ZOOM}-{ZOOM}*{progress}", centre_x),
        Motion.PAN_RIGHT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*{progress}"),
        Motion.PAN_LEFT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*(1-{progress})"),
    }[motion_for(index)]
    w, h, fps = timeline.width, timeline.height, timeline.fps
    subtitles = escape_filter_value(str(Path(timeline.subtitles_ass).resolve()))
    fonts = escape_filter_value(str(Path(timeline.font).parent.resolve()))
    return (
        f"scale={2 * w}:{2 * h}:force_original_aspect_ratio=increase:flags=lanczos,crop={2 * w}:{2 * h},"
        f"setsar=1,zoompan=z='{zoom}':x='{x}':y='{centre_y}':d={frames}:s={w}x{h}:fps={fps},format=yuv420p,"
        f"setpts=PTS+{start}/{fps}/TB,subtitles=filename={subtitles}:fontsdir={fonts},setpts=PTS-STARTPTS"
    )


def render_reference(timeline: Timeline, out: Path, work_dir: Path) -> Path:
    """The timeline's video (no audio) rendered the pre-issue-15 way, to ``out``."""
    work_dir.mkdir(parents=True, exist_ok=True)
    listing = ["ffconcat version 1.0"]
    start = 0
    for index, (image, frames) in enumerate(zip(timeline.scene_images, timeline.frames, strict=True)):
        segment = work_dir / f"reference-{index:02d}.mp4"
        graph = _scene_filter(timeline, index, start, frames)
        cmd = ["-i", image, "-vf", graph, "-frames:v", str(frames), *REFERENCE_CODEC, "-an", str(segment)]
        run_process(ffmpeg_cmd(*cmd), timeout=3600)
        listing.append(f"file '{segment.resolve()}'")
        start += frames
    concat = work_dir / "reference.ffconcat"
    concat.write_text("\n".join(listing) + "\n", encoding="utf-8")
    run_process(
        ffmpeg_cmd("-f", "concat", "-safe", "0", "-i", str(concat), "-c", "copy", str(out)), timeout=600
    )
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

"""Clips that must never reach a render, made by ffmpeg: 0 s, no video stream, 8K, truncated (no ``moov``)
and with garbled picture data (the container reads, the frames do not decode)."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.media.process import run_process
from media_pipeline_tests.media.clips import ffmpeg_cmd, make_clip


def zero_seconds(out: Path) -> Path:
    """An MP4 without a single frame (its container lasts 0 s)."""
    args = ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=10", "-frames:v", "0", "-c:v", "libx264"]
    run_process(ffmpeg_cmd(*args, str(out)), timeout=60)
    return out


def audio_only(out: Path) -> Path:
    """An MP4 (M4A) with a 1 s tone and no video stream."""
    run_process(
        ffmpeg_cmd("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-f", "mp4", str(out)), timeout=60
    )
    return out


def eight_k(out: Path) -> Path:
    """One plain 7680x4320 frame (8K UHD; plain, so the file stays small)."""
    args = ["-f", "lavfi", "-i", "color=c=navy:size=7680x4320:rate=1:duration=1", "-c:v", "libx264"]
    run_process(
        ffmpeg_cmd(*args, "-preset", "veryfast", "-crf", "51", "-pix_fmt", "yuv420p", str(out)), timeout=120
    )
    return out


def truncated(out: Path, work: Path) -> Path:
    """The first 3000 bytes of a clip written without fast start: its ``moov`` index (at the end) is cut
    off, nothing can read it."""
    whole = work / "whole.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=10:duration=1", "-c:v", "libx264"]
    run_process(ffmpeg_cmd(*args, "-preset", "ultrafast", str(whole)), timeout=60)
    out.write_bytes(whole.read_bytes()[:3000])
    return out


def garbled(out: Path, work: Path) -> Path:
    """A clip whose container reads but whose picture data (inside ``mdat``) is scrambled."""
    data = bytearray(
        make_clip(work / "clean.mp4", width=320, height=180, seconds=1.0, audio=False).read_bytes()
    )
    start = data.find(b"mdat") + 100
    for index in range(start, len(data) - 100):
        data[index] = (data[index] * 7 + 13) & 0xFF
    out.write_bytes(bytes(data))
    return out

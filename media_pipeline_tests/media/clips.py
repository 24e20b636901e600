"""Tiny synthetic clips made by ffmpeg for media tests (test pattern + tone, H.264/AAC, +faststart), and
the quiet ffmpeg argv the tests use for their own reference commands."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from media_pipeline.media.ffgraph import QUIET_ARGS
from media_pipeline.media.ffmpeg import FFMPEG
from media_pipeline.media.process import run_process


def ffmpeg_cmd(*args: str) -> list[str]:
    """``ffmpeg`` with the production graphs' quiet, non-interactive, overwrite flags, then ``args``."""
    return [FFMPEG, *QUIET_ARGS, *args]


def make_clip(
    out: Path, *, width: int, height: int, seconds: float, fps: int = 10, audio: bool = True
) -> Path:
    """Write a ``width`` x ``height`` clip of ``seconds`` at ``fps`` (with a 440 Hz tone if ``audio``)."""
    args = ["-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={fps}:duration={seconds}"]
    if audio:
        args += [
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:a",
            "aac",
        ]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]
    run_process(ffmpeg_cmd(*args, str(out)), timeout=120)
    return out


def command_output(argv: list[str]) -> bytes:
    """The standard output of ``argv`` (which must succeed within a minute)."""
    return subprocess.run(argv, capture_output=True, check=True, timeout=60).stdout


def mean_colour(video: Path, at_s: float, crop: str) -> tuple[int, int, int]:
    """The mean RGB colour of ``crop`` (an ffmpeg crop ``w:h:x:y``) of the frame shown at ``at_s``."""
    argv = ["-ss", f"{at_s:.3f}", "-i", str(video), "-frames:v", "1"]
    argv += ["-vf", f"crop={crop},scale=1:1:flags=area", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    red, green, blue = command_output(ffmpeg_cmd(*argv))[:3]
    return red, green, blue


def colour_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    """The sum of the channel differences of two colours (0-765)."""
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


TONE_HZ = 1234
"""The pitch of :func:`make_track`: far from the narration's and the pad's energy."""

_ENCODERS = {
    ".mp3": ["-c:a", "libmp3lame"],
    ".m4a": ["-c:a", "aac"],
    ".wav": ["-c:a", "pcm_s16le"],
    ".aac": ["-c:a", "aac", "-f", "adts"],
}


def make_track(path: Path, seconds: float) -> Path:
    """A ``TONE_HZ`` tone with a slow tremolo, encoded by the file's extension."""
    source = f"aevalsrc=exprs='0.4*sin(2*PI*{TONE_HZ}*t)*(0.7+0.3*sin(2*PI*0.5*t))':s=44100:d={seconds}"
    run_process(ffmpeg_cmd("-f", "lavfi", "-i", source, *_ENCODERS[path.suffix], str(path)))
    return path


def band_db(path: Path, start: float, end: float, hz: int = TONE_HZ) -> float:
    """Mean volume of ``path`` between ``start`` and ``end`` s in a narrow band around ``hz``."""
    graph = f"atrim={start}:{end},bandpass=f={hz}:width_type=q:w=8,volumedetect"
    cmd = ffmpeg_cmd("-i", str(path), "-af", graph, "-f", "null", "-")
    cmd[cmd.index("-loglevel") + 1] = "info"
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", run_process(cmd))
    assert match is not None
    return -200.0 if match[1] == "-inf" else float(match[1])

"""ffprobe summaries of rendered videos and the checks every output must pass
(docs/ARCHITECTURE.md §5)."""

from __future__ import annotations

import json
import struct
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from media_pipeline.errors import PermanentError
from media_pipeline.media.ffmpeg import FFPROBE
from media_pipeline.media.process import run_process


def probe(path: Path) -> dict[str, Any]:
    """ffprobe's JSON description (format and streams) of a media file."""
    if not path.is_file():
        raise PermanentError(f"cannot probe {path}: no such file")
    lines: list[str] = []
    cmd = [FFPROBE, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path)]
    run_process(cmd, on_line=lines.append, timeout=60)
    described: dict[str, Any] = json.loads("\n".join(lines))
    return described


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _rate(value: str | None) -> float:
    try:
        rate = Fraction(value or "0")
    except (ValueError, ZeroDivisionError):
        return 0.0
    return float(rate)


def media_duration(path: Path) -> float:
    """Duration of a media file in seconds (container duration)."""
    duration = _float(probe(path).get("format", {}).get("duration"))
    if duration is None:
        raise PermanentError(f"{path} has no duration")
    return duration


def is_faststart(path: Path) -> bool:
    """True if the top-level ``moov`` atom comes before ``mdat`` (playback can start while downloading)."""
    with path.open("rb") as handle:
        while header := handle.read(8):
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            header_len = 8
            if size == 1:
                large = handle.read(8)
                if len(large) < 8:
                    return False
                (size,) = struct.unpack(">Q", large)
                header_len = 16
            if kind == b"moov":
                return True
            if kind == b"mdat" or size == 0 or size < header_len:
                return False
            handle.seek(size - header_len, 1)
    return False


@dataclass
class VideoSummary:
    """What matters about a rendered video."""

    width: int
    height: int
    video_codec: str
    pix_fmt: str
    fps: float
    duration: float
    video_duration: float
    audio_codec: str | None
    audio_duration: float | None
    size_bytes: int
    faststart: bool
    bit_rate: int | None

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (e.g. for Dagster metadata)."""
        return asdict(self)


def summarize(path: Path) -> VideoSummary:
    """Summary of the first video and audio streams of ``path``."""
    info = probe(path)
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None:
        raise PermanentError(f"{path} has no video stream")
    fmt = info.get("format", {})
    duration = _float(fmt.get("duration")) or 0.0
    bit_rate = _float(fmt.get("bit_rate"))
    return VideoSummary(
        width=int(video.get("width", 0)),
        height=int(video.get("height", 0)),
        video_codec=str(video.get("codec_name", "")),
        pix_fmt=str(video.get("pix_fmt", "")),
        fps=_rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate")),
        duration=duration,
        video_duration=_float(video.get("duration")) or duration,
        audio_codec=str(audio.get("codec_name")) if audio else None,
        audio_duration=(_float(audio.get("duration")) or duration) if audio else None,
        size_bytes=path.stat().st_size,
        faststart=is_faststart(path),
        bit_rate=int(bit_rate) if bit_rate is not None else None,
    )


def check_video(
    summary: VideoSummary, *, width: int, height: int, fps: int, tolerance_s: float = 0.25
) -> list[str]:
    """Human-readable problems of a rendered video; an empty list means it passes."""
    problems: list[str] = []
    if summary.video_codec != "h264":
        problems.append(f"video codec is {summary.video_codec!r}, expected 'h264'")
    if summary.pix_fmt != "yuv420p":
        problems.append(f"pixel format is {summary.pix_fmt!r}, expected 'yuv420p'")
    if (summary.width, summary.height) != (width, height):
        problems.append(f"resolution is {summary.width}x{summary.height}, expected {width}x{height}")
    if abs(summary.fps - fps) > 0.01:
        problems.append(f"frame rate is {summary.fps:g} fps, expected {fps}")
    if summary.audio_codec != "aac":
        problems.append(f"audio codec is {summary.audio_codec!r}, expected 'aac'")
    elif (
        summary.audio_duration is not None
        and abs(summary.audio_duration - summary.video_duration) > tolerance_s
    ):
        problems.append(
            f"audio lasts {summary.audio_duration:.3f} s but video {summary.video_duration:.3f} s "
            f"(more than {tolerance_s} s apart)"
        )
    if not summary.faststart:
        problems.append("moov atom is not before mdat (missing +faststart)")
    return problems


def check_thumbnail(path: Path, *, vertical: bool) -> tuple[tuple[int, int], list[str]]:
    """A thumbnail's pixel size and its problems (JPEG, 720x1280 or 1280x720, at most 2 MB); no problems
    means it passes."""
    from PIL import Image

    from media_pipeline.media.thumbnail import MAX_BYTES

    with Image.open(path) as image:
        size, fmt = image.size, image.format
    expected = (720, 1280) if vertical else (1280, 720)
    problems = [
        *([f"size {size} != {expected}"] if size != expected else []),
        *([f"format {fmt} is not JPEG"] if fmt != "JPEG" else []),
        *([f"{path.stat().st_size} bytes > 2 MB"] if path.stat().st_size > MAX_BYTES else []),
    ]
    return size, problems

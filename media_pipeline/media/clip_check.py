"""Checks a video clip before it becomes a scene's moving picture (stock, uploaded or generated): ffprobe
reads its container, it has a video stream, lasts more than 0 s and at most the limit, is at most 4K, and
its first frames decode. Every ffprobe/ffmpeg call runs under a timeout (docs/ARCHITECTURE.md §8, "Clips
as scene media")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from media_pipeline.errors import PermanentError
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.probe import probe

MAX_LONG_SIDE = 3840
MAX_SHORT_SIDE = 2160
DECODE_FRAMES = 3
CHECK_TIMEOUT_S = 60.0


class BadClipError(PermanentError):
    """A clip that cannot be a scene's picture; the message says why (for the creator)."""

    code = "BAD_CLIP"


@dataclass(frozen=True)
class ClipInfo:
    """What matters about a usable clip."""

    width: int
    height: int
    duration: float


def _seconds(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def check_clip(path: Path, what: str, *, max_seconds: float) -> ClipInfo:
    """The size and duration of the clip at ``path``; :class:`BadClipError` naming ``what`` when it is not
    a readable video container, has no video stream, lasts 0 s or more than ``max_seconds``, is larger than
    4K (3840x2160 either way round) or its first frames do not decode."""
    try:
        info = probe(path)
    except PermanentError as exc:
        raise BadClipError(f"{what} is not a readable video (corrupt or not a video container)") from exc
    video = next((s for s in info.get("streams", []) if s.get("codec_type") == "video"), None)
    duration = _seconds((video or {}).get("duration")) or _seconds(info.get("format", {}).get("duration"))
    if duration <= 0:
        raise BadClipError(f"{what} lasts 0 s")
    if video is None:
        raise BadClipError(f"{what} has no video stream")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if duration > max_seconds:
        raise BadClipError(f"{what} lasts {duration:.1f} s, more than the limit of {max_seconds:g} s")
    if max(width, height) > MAX_LONG_SIDE or min(width, height) > MAX_SHORT_SIDE:
        raise BadClipError(f"{what} is {width}x{height}, larger than 4K ({MAX_LONG_SIDE}x{MAX_SHORT_SIDE})")
    if min(width, height) <= 0:
        raise BadClipError(f"{what} has a video stream without a picture size")
    _decode_start(path, what)
    return ClipInfo(width, height, duration)


def _decode_start(path: Path, what: str) -> None:
    """Decode the first frames of the video stream (``-xerror``: any decoding error fails)."""
    first = ffmpeg.input(str(path))["v:0"].output("-", f="null", **{"frames:v": DECODE_FRAMES})
    try:
        run_graph(first.global_args("-xerror"), timeout=CHECK_TIMEOUT_S)
    except PermanentError as exc:
        last = str(exc).strip().splitlines()[-1:] or [""]
        raise BadClipError(f"{what} does not decode (corrupt video data: {last[0][:200]})") from exc


def usable_clips(clips: list[Path | None], *, max_seconds: float) -> tuple[list[Path | None], list[str]]:
    """``clips`` (one per scene, None for a still) with each clip that fails :func:`check_clip` replaced by
    None (the scene falls back to its still), and a problem per such scene."""
    usable: list[Path | None] = []
    problems: list[str] = []
    for scene, clip in enumerate(clips):
        try:
            if clip is not None:
                check_clip(clip, f"the clip of scene {scene}", max_seconds=max_seconds)
        except BadClipError as exc:
            problems.append(f"{exc}; scene {scene} shows its still instead")
            clip = None
        usable.append(clip)
    return usable, problems

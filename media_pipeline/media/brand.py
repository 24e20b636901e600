"""A brand kit applied to the picture (docs/ARCHITECTURE.md §9, "Brand kits"): the logo watermark overlaid
with its opacity, the intro and outro joined around the rendered video (scaled to the frame, their sound
loudness-normalised to the same target); the kit's preview is ``media/brand_preview.py``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.domain.brand import Corner, LogoPlacement
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import lavfi_source, run_graph
from media_pipeline.media.loudness import TARGET_LUFS
from media_pipeline.media.mastering import LIMIT_DBTP
from media_pipeline.media.probe import media_duration, probe

# The logo keeps this fraction of the frame's width clear of the edges it sits in.
LOGO_MARGIN = 0.04
TIMEOUT_S = 1800
VIDEO_CODEC = {"c:v": "libx264", "preset": "veryfast", "crf": 23, "pix_fmt": "yuv420p"}


@dataclass(frozen=True)
class Logo:
    """A logo image and where/how it is drawn."""

    path: Path
    placement: LogoPlacement


def logo_width(placement: LogoPlacement, frame_width: int) -> int:
    """The logo's drawn width in pixels (even, at least 2)."""
    return max(2, round(frame_width * placement.width_pct / 100 / 2) * 2)


def overlay_logo(video: Stream, logo: Logo, width: int, logo_input: str | None = None) -> Stream:
    """``video`` (``width`` pixels wide) with the logo in its corner at its opacity; ``logo_input`` names
    the logo file in the graph (default: its path)."""
    placement = logo.placement
    margin = round(width * LOGO_MARGIN)
    picture = (
        ffmpeg.input(logo_input or str(logo.path))
        .filter("scale", logo_width(placement, width), -2)
        .filter("format", "rgba")
        .filter("colorchannelmixer", aa=placement.opacity)
    )
    left = placement.corner in (Corner.TOP_LEFT, Corner.BOTTOM_LEFT)
    top = placement.corner in (Corner.TOP_LEFT, Corner.TOP_RIGHT)
    x = str(margin) if left else f"W-w-{margin}"
    y = str(margin) if top else f"H-h-{margin}"
    # The still logo is one frame; overlay repeats it to the end of the video (eof_action=repeat).
    return ffmpeg.filter([video, picture], "overlay", x=x, y=y, eof_action="repeat")


def _has_audio(path: Path) -> bool:
    return any(stream.get("codec_type") == "audio" for stream in probe(path).get("streams", []))


def _part(path: Path, width: int, height: int, fps: int, rate: int, normalise: bool) -> tuple[Stream, Stream]:
    """One part of the bookended video: its picture fitted into the frame (letterboxed), and its sound
    (loudness-normalised when ``normalise``; silence when it has none)."""
    source = ffmpeg.input(str(path))
    video = (
        source.video.filter("scale", width, height, force_original_aspect_ratio="decrease")
        .filter("pad", width, height, "(ow-iw)/2", "(oh-ih)/2")
        .filter("setsar", "1")
        .filter("fps", fps=fps)
        .filter("format", "yuv420p")
    )
    if _has_audio(path):
        audio = source.audio
        if normalise:
            audio = audio.filter("loudnorm", i=TARGET_LUFS, tp=LIMIT_DBTP, lra=11)
    else:
        audio = lavfi_source("anullsrc", r=rate, cl="mono").filter("atrim", duration=media_duration(path))
    audio = audio.filter("aresample", rate).filter("aformat", channel_layouts="mono")
    return video, audio


def bookend(
    main: Path, intro: Path | None, outro: Path | None, out: Path, *, fps: int, audio: dict[str, object]
) -> Path:
    """Write ``intro + main + outro`` to ``out`` (atomically) at ``main``'s size and ``fps``; the main
    part's (mastered) sound is kept, the intro's and outro's are normalised to the loudness target."""
    stream = next(s for s in probe(main)["streams"] if s.get("codec_type") == "video")
    width, height, rate = int(stream["width"]), int(stream["height"]), int(str(audio["ar"]))
    parts = [
        _part(path, width, height, fps, rate, normalise=path != main)
        for path in (intro, main, outro)
        if path is not None
    ]
    joined = ffmpeg.concat(*(s for part in parts for s in part), v=1, a=1).node
    with atomic_path(out) as tmp:
        graph = ffmpeg.output(
            joined[0], joined[1], str(tmp), **VIDEO_CODEC, **audio, movflags="+faststart", f="mp4"
        )
        run_graph(graph, timeout=TIMEOUT_S)
    return out

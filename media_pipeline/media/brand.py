"""A brand kit applied to the picture (docs/ARCHITECTURE.md §9, "Brand kits"): the logo watermark overlaid
with its opacity, the intro and outro joined around the rendered video (scaled to the frame, their sound
loudness-normalised to the same target), and the kit's 3-second preview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.domain import CaptionPreset, Language
from media_pipeline.domain.brand import Corner, LogoPlacement
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.captions import write_captions
from media_pipeline.media.ffgraph import lavfi_source, run_graph
from media_pipeline.media.loudness import TARGET_LUFS
from media_pipeline.media.mastering import LIMIT_DBTP
from media_pipeline.media.probe import media_duration, probe
from media_pipeline.media.subtitles import AssColours
from media_pipeline.media.tts import Cue

# The logo keeps this fraction of the frame's width clear of the edges it sits in.
LOGO_MARGIN = 0.04
PREVIEW_SECONDS = 3.0
PREVIEW_SIZE = (540, 960)
PREVIEW_TEXT = "브랜드 키트 미리보기"
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


@dataclass(frozen=True)
class PreviewInputs:
    """What a brand kit preview shows: the caption font and colours, the preset and the logo."""

    font: Path
    colours: AssColours
    preset: CaptionPreset
    logo: Logo | None


def render_preview(inputs: PreviewInputs, out: Path, work_dir: Path, *, fps: int = 30) -> Path:
    """A :data:`PREVIEW_SECONDS` MP4 (540x960, silent AAC track): a sample caption line in the kit's font,
    colours and preset over a plain background, with the logo."""
    width, height = PREVIEW_SIZE
    cue = Cue(0.2, PREVIEW_SECONDS - 0.2, PREVIEW_TEXT)
    ass = write_captions(
        inputs.preset,
        [cue],
        work_dir / "preview.ass",
        width=width,
        height=height,
        font_path=inputs.font,
        language=Language.KO,
        colours=inputs.colours,
    )
    video: Stream = lavfi_source("color", c="0x2E3A4F", s=f"{width}x{height}", r=fps, d=PREVIEW_SECONDS)
    if inputs.logo is not None:
        video = overlay_logo(video, inputs.logo, width)
    video = video.filter("subtitles", filename=str(ass.resolve()), fontsdir=str(inputs.font.parent.resolve()))
    silence = lavfi_source("anullsrc", r=48000, cl="mono")
    with atomic_path(out) as tmp:
        graph = ffmpeg.output(
            video,
            silence,
            str(tmp),
            **VIDEO_CODEC,
            t=PREVIEW_SECONDS,
            **{"c:a": "aac"},
            movflags="+faststart",
            f="mp4",
        )
        run_graph(graph, timeout=TIMEOUT_S)
    return out

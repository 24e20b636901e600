"""A brand kit's 3-second preview (docs/ARCHITECTURE.md §9, "Brand kits"): a sample caption line in the
kit's font, colours and preset over a plain background, with the logo, its captions drawn as the video's
are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.domain import CaptionPreset, Language
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.brand import VIDEO_CODEC, Logo, overlay_logo
from media_pipeline.media.caption_overlay import captioned
from media_pipeline.media.captions import write_captions
from media_pipeline.media.ffgraph import lavfi_source, run_graph
from media_pipeline.media.libass import AssRenderer
from media_pipeline.media.subtitles import AssColours
from media_pipeline.media.tts import Cue

PREVIEW_SECONDS = 3.0
PREVIEW_SIZE = (540, 960)
PREVIEW_TEXT = "브랜드 키트 미리보기"
TIMEOUT_S = 300
"""A 3-second render; far more means a stuck ffmpeg."""


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
    frames = round(PREVIEW_SECONDS * fps)
    with AssRenderer(PREVIEW_SIZE, inputs.font.parent) as renderer:
        video = captioned(video, ass, fps, (0, frames), renderer, work_dir)
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

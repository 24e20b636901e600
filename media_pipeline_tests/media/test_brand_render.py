"""A brand kit in a real render: the kit's font named in the ASS and drawn in its colour, the logo in its
corner on every sampled frame, intro and outro joined (lengths add up, sound still at -14 LUFS); the font's
bytes are part of the segment cache key."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.domain import CaptionPreset, Language
from media_pipeline.domain.brand import Corner, LogoPlacement
from media_pipeline.media.brand import LOGO_MARGIN, Logo, logo_width
from media_pipeline.media.brand_files import ks_x_1001_syllables
from media_pipeline.media.captions import write_captions
from media_pipeline.media.loudness import measure_loudness
from media_pipeline.media.probe import check_video, summarize
from media_pipeline.media.process import run_process
from media_pipeline.media.render import plan_segments, render_video
from media_pipeline.media.subtitles import AssColours
from media_pipeline_tests.brand_support import LATIN, box_font, hangul_font, make_clip, png_logo

from .clips import ffmpeg_cmd
from .conftest import TinyTask

INTRO_S, OUTRO_S = 1.0, 1.5
GREEN = "#00FF00"


def _frame(video: Path, seconds: float, out: Path) -> Image.Image:
    run_process(ffmpeg_cmd("-ss", f"{seconds:.3f}", "-i", str(video), "-frames:v", "1", str(out)))
    return Image.open(out).convert("RGB")


@pytest.fixture(scope="module")
def branded(tiny_task: TinyTask, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """The tiny task rendered with a kit: box font in green, an opaque-ish blue logo top-left, an intro
    with a tone and a silent outro. Returns (video, ASS, narration seconds)."""
    folder = tmp_path_factory.mktemp("brand")
    font = folder / "font" / "font.ttf"
    font.parent.mkdir()
    font.write_bytes(hangul_font("KitBoxes"))
    logo = folder / "logo.png"
    logo.write_bytes(png_logo((0, 0, 255)))
    ass = write_captions(
        CaptionPreset.CLASSIC,
        tiny_task.narration.cues,
        folder / "captions.ass",
        width=tiny_task.width,
        height=tiny_task.height,
        font_path=font,
        language=Language.KO,
        colours=AssColours.from_rgb(GREEN, "#FF00FF", "#000000"),
    )
    spec = tiny_task.render_spec(
        subtitles_ass=ass,
        fonts_dir=font.parent,
        logo=Logo(logo, LogoPlacement(corner=Corner.TOP_LEFT, widthPct=25, opacity=0.75)),
        intro=make_clip(folder / "intro.mp4", INTRO_S),
        outro=make_clip(folder / "outro.mp4", OUTRO_S, tone=False),
    )
    result = render_video(spec, folder / "out" / "output.mp4", folder / "segments")
    return result.path, ass, tiny_task.narration.duration


def test_the_kit_font_is_named_and_drawn_in_the_kit_colour(
    branded: tuple[Path, Path, float], tiny_task: TinyTask, tmp_path: Path
) -> None:
    video, ass, _narration = branded
    assert "Style: Default,KitBoxes," in ass.read_text(encoding="utf-8")
    cue = tiny_task.narration.cues[0]
    frame = _frame(video, INTRO_S + (cue.start + cue.end) / 2, tmp_path / "cue.png")
    bottom = frame.crop((0, frame.height // 2, frame.width, frame.height))
    pixels = bottom.tobytes()
    green = sum(
        1 for i in range(0, len(pixels), 3) if pixels[i + 1] > 200 and max(pixels[i], pixels[i + 2]) < 90
    )
    assert green > 150, green  # the box glyphs are solid blocks of the caption colour


def test_the_logo_is_in_its_corner_on_every_frame(
    branded: tuple[Path, Path, float], tiny_task: TinyTask, tmp_path: Path
) -> None:
    video, _ass, narration = branded
    margin = round(tiny_task.width * LOGO_MARGIN)
    size = logo_width(LogoPlacement(widthPct=25), tiny_task.width)
    centre = (margin + size // 2, margin + size // 4)  # the logo is 2:1
    for index, at in enumerate((0.3, narration / 2, narration - 0.3)):
        r, g, b = _frame(video, INTRO_S + at, tmp_path / f"f{index}.png").getpixel(centre)
        # 75 % blue over the scene: blue at least 0.75 * 255, red and green at most 0.25 * 255 (+ coding)
        assert b > 180 and r < 90 and g < 90, (at, (r, g, b))
    r, g, b = _frame(video, INTRO_S / 2, tmp_path / "intro.png").getpixel(centre)
    assert not (b > 180 and r < 90 and g < 90), "the intro carries no logo"


def test_intro_and_outro_lengths_add_up_and_loudness_holds(
    branded: tuple[Path, Path, float], tiny_task: TinyTask
) -> None:
    video, _ass, narration = branded
    summary = summarize(video)
    assert check_video(summary, width=tiny_task.width, height=tiny_task.height, fps=tiny_task.fps) == []
    expected = INTRO_S + narration + OUTRO_S
    assert abs(summary.video_duration - expected) < 0.15, (summary.video_duration, expected)
    assert summary.audio_duration is not None and abs(summary.audio_duration - expected) < 0.15
    loudness = measure_loudness(video)
    assert abs(loudness.integrated_lufs + 14) <= 1, loudness


def test_a_replaced_font_of_the_same_family_renders_the_segments_again(
    tiny_task: TinyTask, tmp_path: Path
) -> None:
    names = []
    for index, font in enumerate(
        (hangul_font("KitBoxes"), box_font("KitBoxes", LATIN + ks_x_1001_syllables()[:-1]))
    ):
        fonts = tmp_path / f"fonts{index}"
        fonts.mkdir()
        (fonts / "font.ttf").write_bytes(font)
        spec = tiny_task.render_spec(fonts_dir=fonts)
        names.append(
            [
                segment.path.name
                for segment in plan_segments(spec, tmp_path / "work", tiny_task.narration.duration)
            ]
        )
    assert len(names[0]) == len(names[1]) and not set(names[0]) & set(names[1])

"""SRT and ASS files: timing format, PlayRes, proportional sizes, explicit line breaks."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.media.subtitles import AssLayout, ass_time, srt_time, write_ass, write_srt
from media_pipeline.media.text import text_units
from media_pipeline.media.tts import Cue

KOREAN = "오늘은 건강한 아침 습관에 대해 짧고 굵게 알아보겠습니다."
CUES = [Cue(0.0, 1.25, "Hello."), Cue(1.5, 3723.456, KOREAN)]


def test_time_formats() -> None:
    assert srt_time(3723.456) == "01:02:03,456"
    assert ass_time(3723.456) == "1:02:03.46"
    assert srt_time(0.0006) == "00:00:00,001"


def test_srt(tmp_path: Path) -> None:
    text = write_srt(CUES, tmp_path / "s.srt").read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    assert blocks[0] == "1\n00:00:00,000 --> 00:00:01,250\nHello."
    assert blocks[1].startswith("2\n00:00:01,500 --> 01:02:03,456\n")
    assert "".join(blocks[1].split("\n")[2:]).replace(" ", "") == KOREAN.replace(" ", "")


def test_ass_playres_style_and_korean_breaks(tmp_path: Path) -> None:
    text = write_ass(CUES, tmp_path / "s.ass", width=1080, height=1920, font_name="NanumGothic").read_text()
    layout = AssLayout.for_frame(1080, 1920)
    assert "PlayResX: 1080\nPlayResY: 1920" in text
    assert f"Style: Default,NanumGothic,{layout.font_size}," in text
    style = next(line for line in text.splitlines() if line.startswith("Style:")).split(",")
    assert style[18] == "2"  # bottom centre
    assert int(style[16]) > 0 and int(style[17]) > 0  # outline and shadow
    dialogue = [line for line in text.splitlines() if line.startswith("Dialogue:")]
    assert dialogue[0] == "Dialogue: 0,0:00:00.00,0:00:01.25,Default,,0,0,0,,Hello."
    korean_lines = dialogue[1].split(",", 9)[9].split(r"\N")
    assert len(korean_lines) >= 2
    assert all(text_units(line) <= layout.max_units for line in korean_lines)


def test_ass_sizes_are_proportional_to_the_frame() -> None:
    big, small = AssLayout.for_frame(1080, 1920), AssLayout.for_frame(540, 960)
    assert abs(big.font_size - 2 * small.font_size) <= 1
    assert abs(big.margin_v - 2 * small.margin_v) <= 1
    assert abs(big.max_units - small.max_units) <= 1
    landscape = AssLayout.for_frame(1920, 1080)
    assert landscape.max_units > big.max_units
    assert AssLayout.for_frame(1080, 1920, font_size=40).font_size == 40


def test_ass_escapes_override_braces(tmp_path: Path) -> None:
    text = write_ass([Cue(0, 1, r"{\b1}bold\N")], tmp_path / "e.ass", width=320, height=180, font_name="X")
    event = text.read_text().splitlines()[-1]
    assert "{" not in event and "\\b1" not in event

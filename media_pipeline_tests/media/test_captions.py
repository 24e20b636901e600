"""Shorts captions: 어절-only line breaks (property test), word timings aligned to real audio, the spoken
word's pixels turning the highlight colour at its time, and no caption pixel outside the Shorts safe area
at 1080x1920 (frames drawn by ffmpeg and scanned)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from media_pipeline.domain import CaptionPreset, Language
from media_pipeline.media.caption_check import captions_outside, drawn_boxes
from media_pipeline.media.captions import (
    SHORTS,
    SHORTS_SAFE_AREA,
    ShortsLayout,
    break_lines,
    write_captions,
)
from media_pipeline.media.ffmpeg import FFMPEG
from media_pipeline.media.subtitles import AssColours
from media_pipeline.media.tts import Cue
from media_pipeline.media.words import WordTime, align_words, detect_silences
from media_pipeline_tests.media.conftest import TinyTask

SIZE = (1080, 1920)
HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
KOREAN_WORDS = st.lists(st.text(HANGUL, min_size=1, max_size=14), min_size=1, max_size=30)
LONG_KOREAN = "오늘은 건강한 아침 습관에 대해 짧고 굵게 알아보겠습니다 그리고 초고속인터넷서비스가입자 이야기"
WIDE_ENGLISH = "WWW MMMMMMMMMMMMMMMMMMMMMMMM Wow what a MASSIVE WIDE HEADLINE WITH WWWWWW"


def _timed(words: list[str]) -> list[WordTime]:
    return [WordTime(i * 0.3, i * 0.3 + 0.3, word) for i, word in enumerate(words)]


@settings(max_examples=300, deadline=None)
@given(KOREAN_WORDS, st.integers(min_value=1, max_value=20))
def test_korean_lines_break_only_between_words(words: list[str], limit: int) -> None:
    lines = break_lines(words, lambda line: len(line) <= limit)
    assert [words[i] for line in lines for i in line] == words  # every 어절 whole, in order
    for line in lines:
        text = " ".join(words[i] for i in line)
        assert len(line) == 1 or len(text) <= limit  # only a single over-long 어절 exceeds the limit


@settings(max_examples=60, deadline=None)
@given(KOREAN_WORDS)
def test_shorts_pages_keep_every_word_whole_in_at_most_two_lines(font: Path, words: list[str]) -> None:
    layout = ShortsLayout(*SIZE, font, Language.KO, SHORTS)
    pages = layout.pages(_timed(words))
    assert [word.text for page in pages for word in page.words] == words
    for page in pages:
        assert 1 <= len(page.lines) <= 2
        for line in page.lines:
            text = " ".join(word.text for word in line)
            assert len(line) == 1 or (len(text) <= 10 and layout.measure(text) <= layout.usable)


def test_unspaced_japanese_breaks_between_characters_into_short_lines(font: Path) -> None:
    text = "今日はとても良い天気ですね散歩に行きましょう、公園まで歩いて"
    layout = ShortsLayout(*SIZE, font, Language.JA, SHORTS)
    pages = layout.pages([WordTime(1.0, 4.0, text)])
    pieces = [word for page in pages for word in page.words]
    assert "".join(word.text for word in pieces) == text and len(pieces) >= 3
    assert all(len(word.text) <= 10 for word in pieces) and all(len(page.lines) <= 2 for page in pages)
    edges = [t for word in pieces for t in (word.start, word.end)]
    assert edges == sorted(edges) and edges[0] == 1.0 and edges[-1] == pytest.approx(4.0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(st.sampled_from("가나다abc1"), min_size=1, max_size=8), min_size=1, max_size=12),
    st.floats(min_value=0.2, max_value=10),
    st.lists(st.tuples(st.floats(0, 10), st.floats(0, 2)), max_size=5),
)
def test_alignment_is_monotonic_and_within_the_line(
    words: list[str], duration: float, pauses: list[tuple[float, float]]
) -> None:
    silences = [(start, start + length) for start, length in pauses]
    timed = align_words(" ".join(words), duration, silences)
    assert [w.text for w in timed] == words
    edges = [t for word in timed for t in (word.start, word.end)]
    assert edges == sorted(edges) and edges[0] >= 0 and edges[-1] <= duration + 1e-9


def _tone_pause_tone(path: Path) -> Path:
    """0.8 s of tone, 0.4 s of silence, 0.8 s of tone."""
    tone = "aevalsrc=0.5*sin(2*PI*220*t)*lt(mod(t\\,2)\\,0.8)+0.5*sin(2*PI*220*t)*gte(t\\,1.2):s=24000:d=2"
    subprocess.run([FFMPEG, "-v", "error", "-f", "lavfi", "-i", tone, "-y", str(path)], check=True)
    return path


def test_a_pause_in_the_audio_becomes_the_word_boundary(tmp_path: Path) -> None:
    wav = _tone_pause_tone(tmp_path / "line.wav")
    silences = detect_silences(wav)
    assert silences == [(pytest.approx(0.8, abs=0.03), pytest.approx(1.2, abs=0.03))]
    # written lengths say the boundary is at ~30 % of the speech; the pause moves it to 0.8-1.2 s
    first, second = align_words("가나 다라마바사", 2.0, silences)
    assert first.end == pytest.approx(0.8, abs=0.03) and second.start == pytest.approx(1.2, abs=0.03)


def test_narration_word_timings_are_monotonic_and_within_each_line(tiny_task: TinyTask) -> None:
    for cue in tiny_task.narration.cues:
        assert [w.text for w in cue.words] == cue.text.split()
        edges = [t for word in cue.words for t in (word.start, word.end)]
        assert edges == sorted(edges)
        assert cue.start <= edges[0] and edges[-1] <= cue.end + 1e-6


def _frames(ass: Path, font: Path, times: list[float], out: Path) -> list[Image.Image]:
    """Frames of the captions alone over black at ``times`` (encoded to H.264 first, like a render)."""
    video = out / "captions.mp4"
    source = f"color=black:s={SIZE[0]}x{SIZE[1]}:r=10:d=3"
    subtitles = f"subtitles=filename={ass}:fontsdir={font.parent}"
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    subprocess.run(
        [FFMPEG, "-v", "error", "-f", "lavfi", "-i", source, "-vf", subtitles, *encode, "-y", str(video)],
        check=True,
    )
    images = []
    for index, time in enumerate(times):
        png = out / f"frame{index}.png"
        subprocess.run(
            [FFMPEG, "-v", "error", "-ss", f"{time}", "-i", str(video), "-frames:v", "1", "-y", str(png)],
            check=True,
        )
        images.append(Image.open(png).convert("RGB"))
    return images


def _gold_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of highlight-coloured pixels (red and green high, blue low)."""
    mask = Image.new("L", image.size, 0)
    mask.putdata([255 if r > 200 and g > 150 and b < 90 else 0 for r, g, b in image.get_flattened_data()])
    return mask.getbbox()


def _white_share(image: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Share of pixels in ``box`` that are white text."""
    crop = image.crop(box)
    pixels = list(crop.get_flattened_data())
    return sum(1 for r, g, b in pixels if min(r, g, b) > 200) / len(pixels)


def test_the_spoken_word_turns_the_highlight_colour_at_its_time(tmp_path: Path, font: Path) -> None:
    words = [WordTime(0.5, 1.4, "첫째"), WordTime(1.5, 2.6, "둘째")]
    ass = write_captions(
        CaptionPreset.SHORTS,
        [Cue(0.5, 2.6, "첫째 둘째", words)],
        tmp_path / "c.ass",
        width=SIZE[0],
        height=SIZE[1],
        font_path=font,
        language=Language.KO,
    )
    early, late = _frames(ass, font, [1.0, 2.0], tmp_path)
    first = _gold_box(early)
    second = _gold_box(late)
    assert first is not None and second is not None
    assert first[2] < second[0]  # the highlight moved right, to the second word
    assert _gold_box(early.crop(second)) is None and _white_share(early, second) > 0.1
    assert _gold_box(late.crop(first)) is None and _white_share(late, first) > 0.1


@pytest.mark.parametrize(("language", "text"), [(Language.KO, LONG_KOREAN), (Language.EN, WIDE_ENGLISH)])
def test_shorts_captions_stay_in_the_safe_area(
    tmp_path: Path, font: Path, language: Language, text: str
) -> None:
    cues = [Cue(0.0, 2.0, text), Cue(2.0, 3.0, text.split()[0])]
    ass = write_captions(
        CaptionPreset.SHORTS,
        cues,
        tmp_path / "c.ass",
        width=SIZE[0],
        height=SIZE[1],
        font_path=font,
        language=language,
    )
    drawn = drawn_boxes(ass, SIZE, 10, font.parent)
    assert len(drawn) >= 3  # something was drawn at each page
    assert captions_outside(ass, SIZE, 10, SHORTS_SAFE_AREA, font.parent) == []
    # the same frames scanned pixel by pixel: nothing light outside the safe area
    x1, y1, x2, y2 = SHORTS_SAFE_AREA.box(*SIZE)
    for image in _frames(ass, font, [0.3, 1.7, 2.5], tmp_path):
        gray = image.convert("L").point(lambda v: 255 if v > 60 else 0)
        box = gray.getbbox()
        assert box is not None
        assert x1 <= box[0] and y1 <= box[1] and box[2] - 1 <= x2 and box[3] - 1 <= y2


def test_classic_subtitles_fail_the_shorts_safe_area(tmp_path: Path, font: Path) -> None:
    """The check can fail: the classic bottom subtitles sit in the bottom 20 % of a vertical frame."""
    ass = write_captions(
        CaptionPreset.CLASSIC,
        [Cue(0.0, 1.0, LONG_KOREAN)],
        tmp_path / "c.ass",
        width=SIZE[0],
        height=SIZE[1],
        font_path=font,
        language=Language.KO,
    )
    problems = captions_outside(ass, SIZE, 10, SHORTS_SAFE_AREA, font.parent)
    assert len(problems) == 1 and "outside the safe area" in problems[0]


def test_a_brand_kit_colours_the_shorts_text_highlight_and_outline(tmp_path: Path, font: Path) -> None:
    colours = AssColours.from_rgb("#112233", "#FF8800", "#0000FF")
    assert colours == AssColours(text="332211", highlight="0088FF", outline="FF0000")  # ASS is BBGGRR
    ass = write_captions(
        CaptionPreset.SHORTS,
        [Cue(0.0, 1.0, "하나 둘", [WordTime(0.0, 0.5, "하나"), WordTime(0.5, 1.0, "둘")])],
        tmp_path / "c.ass",
        width=SIZE[0],
        height=SIZE[1],
        font_path=font,
        language=Language.KO,
        colours=colours,
    ).read_text(encoding="utf-8")
    style = next(line for line in ass.splitlines() if line.startswith("Style:")).split(",")
    assert (style[3], style[5]) == ("&H00332211", "&H00FF0000")  # primary and outline colours
    assert "{\\1c&H0088FF&}하나{\\1c&H332211&}" in ass

"""Wrapping (CJK counts double) and sentence splitting."""

from __future__ import annotations

import pytest

from media_pipeline.media.subtitles import wrap_text
from media_pipeline.media.text import NO_LINE_START, speech_chunks, split_sentences, text_units


def test_text_units_count_cjk_double() -> None:
    assert text_units("abc") == 3
    assert text_units("가나다") == 6
    assert text_units("漢字かな") == 8
    assert text_units("A가") == 3


def test_wrap_latin_breaks_at_spaces() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    lines = wrap_text(text, 10)
    assert all(len(line) <= 10 for line in lines)
    assert " ".join(lines) == text


def test_wrap_korean_prefers_spaces() -> None:
    text = "건강한 아침 습관으로 하루를 시작하는 법"
    lines = wrap_text(text, 15)
    assert lines == ["건강한 아침", "습관으로 하루를", "시작하는 법"]
    assert all(text_units(line) <= 15 for line in lines)


def test_wrap_unspaced_cjk_breaks_inside_runs() -> None:
    text = "今日はとても良い天気ですね散歩に行きましょう"
    lines = wrap_text(text, 10)
    assert len(lines) > 1
    assert "".join(lines) == text
    assert all(text_units(line) <= 10 for line in lines)


def test_wrap_keeps_closing_punctuation_off_line_starts() -> None:
    lines = wrap_text("今日はいい天気。明日も晴れるでしょう。", 8)
    assert all(line[0] not in NO_LINE_START for line in lines)
    assert "".join(lines) == "今日はいい天気。明日も晴れるでしょう。"


def test_wrap_overlong_latin_word_is_split() -> None:
    assert wrap_text("a supercalifragilistic word", 8) == ["a", "supercal", "ifragili", "stic", "word"]


def test_wrap_empty_text() -> None:
    assert wrap_text("   ", 10) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello world. How are you? Fine!", ["Hello world.", "How are you?", "Fine!"]),
        ("안녕하세요. 반갑습니다! 정말요?", ["안녕하세요.", "반갑습니다!", "정말요?"]),
        ("今日は晴れ。明日は雨！本当？", ["今日は晴れ。", "明日は雨！", "本当？"]),
        ("Price is 3.5 dollars.\nNew line", ["Price is 3.5 dollars.", "New line"]),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_speech_chunks_split_long_sentences_at_clauses() -> None:
    sentence = (
        "첫째로 우리는 아침에 일찍 일어나야 합니다, 둘째로 물을 한 잔 마셔야 합니다, "
        "셋째로 가볍게 스트레칭을 하고 하루 계획을 세워야 합니다."
    )
    chunks = speech_chunks(sentence, max_units=60)
    assert len(chunks) >= 2
    assert all(text_units(chunk) <= 60 for chunk in chunks)
    assert "".join(chunks).replace(" ", "") == sentence.replace(" ", "")

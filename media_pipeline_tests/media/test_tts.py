"""Narration with espeak-ng: per-sentence WAVs joined, cue times as running sums, scene durations."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from media_pipeline.domain import Language
from media_pipeline.media.tts import Narration, sentence_wav, synthesize_narration, wav_duration
from media_pipeline.processes import ProcessFailed
from media_pipeline.providers.narrators.espeak import EspeakNarrator

from .conftest import TinyTask, make_script


def test_cues_and_scene_durations_add_up(tiny_task: TinyTask) -> None:
    narration = tiny_task.narration
    assert narration.wav == tiny_task.paths.narration_wav
    assert narration.duration == sum(narration.scene_durations)
    assert abs(wav_duration(narration.wav) - narration.duration) < 1e-6
    texts = [cue.text for cue in narration.cues]
    assert texts == ["안녕하세요.", "짧은 테스트입니다.", "두 번째 장면입니다!", "감사합니다."]
    assert all(d >= 2.0 for d in narration.scene_durations)
    previous_end = 0.0
    for cue in narration.cues:
        assert previous_end <= cue.start < cue.end <= narration.duration
        previous_end = cue.end
    # Scene boundaries: cue 2 starts exactly where scene 0 ends.
    assert narration.cues[2].start == pytest.approx(narration.scene_durations[0], abs=1e-9)


def test_cue_lengths_are_the_sentence_wav_lengths(tiny_task: TinyTask) -> None:
    for cue in tiny_task.narration.cues:
        sentence = sentence_wav(EspeakNarrator("ko"), cue.text, 1.0, tiny_task.paths.narration_dir)  # cached
        assert cue.end - cue.start == pytest.approx(wav_duration(sentence), abs=1e-6)


def test_short_scene_is_padded_to_min_scene_s(tmp_path: Path) -> None:
    script = make_script(Language.EN, scenes=3)
    narration = synthesize_narration(
        script, EspeakNarrator("en-us"), tmp_path / "w", tmp_path / "n.wav", min_scene_s=1.8
    )
    assert narration.scene_durations[1] == pytest.approx(1.8, abs=1e-4)
    assert narration.scene_durations[0] > 1.8  # two sentences are longer than that
    with wave.open(str(tmp_path / "n.wav")) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.wav", "w"]


def test_round_trip_as_dict(tiny_task: TinyTask) -> None:
    assert Narration.from_dict(tiny_task.narration.as_dict()) == tiny_task.narration


def test_unknown_voice_fails(tmp_path: Path) -> None:
    with pytest.raises(ProcessFailed, match="voice does not exist"):
        synthesize_narration(make_script(), EspeakNarrator("zzz"), tmp_path, tmp_path / "n.wav")
    assert not (tmp_path / "n.wav").exists()

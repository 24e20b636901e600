"""Generated background music."""

from __future__ import annotations

import array
import wave
from pathlib import Path

from media_pipeline.media.music import generate_music


def test_music_has_the_duration_and_is_audible(tmp_path: Path) -> None:
    out = generate_music(3.5, tmp_path / "music.wav")
    with wave.open(str(out)) as reader:
        assert reader.getnframes() / reader.getframerate() == 3.5
        samples = array.array("h", reader.readframes(reader.getnframes()))
    peak = max(abs(s) for s in samples)
    assert 1000 < peak < 32767 * 0.9
    assert abs(samples[0]) < 200  # faded in
    assert [p.name for p in tmp_path.iterdir()] == ["music.wav"]

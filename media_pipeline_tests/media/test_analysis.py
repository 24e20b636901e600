"""Analysis JSON of real clips (ffprobe + EBU R128 loudness) and frames cut from a video."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from media_pipeline.errors import PermanentError
from media_pipeline.media.analysis import analyze
from media_pipeline.media.frames import extract_frame
from media_pipeline_tests.media.clips import make_clip


def test_analysis_reports_container_streams_and_loudness(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", width=320, height=568, seconds=3)
    result = json.loads(json.dumps(analyze(clip)))  # JSON-ready
    assert result["format"]["duration_s"] == pytest.approx(3.0, abs=0.1)
    assert result["format"]["size_bytes"] == clip.stat().st_size
    assert result["format"]["bit_rate"] > 0
    video, audio = result["streams"]
    assert (video["type"], video["codec_name"], video["width"], video["height"]) == (
        "video",
        "h264",
        320,
        568,
    )
    assert video["avg_frame_rate"] == "10/1"
    assert (audio["type"], audio["codec_name"], audio["sample_rate"]) == ("audio", "aac", 48000)
    # lavfi sine (amplitude 1/8) measures about -21 LUFS.
    assert -24 < result["loudness"]["integrated_lufs"] < -18
    assert result["loudness"]["true_peak_dbtp"] < 0


def test_analysis_without_audio_has_no_loudness(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "silent.mp4", width=320, height=568, seconds=2, audio=False)
    result = analyze(clip)
    assert [s["type"] for s in result["streams"]] == ["video"]
    assert result["loudness"] is None


def test_extract_frame_cuts_a_still_at_the_time(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", width=320, height=568, seconds=3, audio=False)
    out = extract_frame(clip, tmp_path / "frame.png", 1.5)
    with Image.open(out) as image:
        assert (image.format, image.size) == ("PNG", (320, 568))
    with pytest.raises(PermanentError):
        extract_frame(clip, tmp_path / "late.png", 30)
    assert not (tmp_path / "late.png").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "frame.png"]

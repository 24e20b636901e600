"""MP4 atom walking and the video checks."""

from __future__ import annotations

import struct
from dataclasses import replace
from pathlib import Path

from PIL import Image

from media_pipeline.media.probe import VideoSummary, check_thumbnail, check_video, is_faststart


def _atom(kind: bytes, payload: bytes = b"") -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _large_atom(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload


def test_is_faststart_walks_top_level_atoms(tmp_path: Path) -> None:
    cases = {
        "fast.mp4": _atom(b"ftyp", b"isom") + _atom(b"moov", b"x" * 20) + _atom(b"mdat", b"y" * 50),
        "slow.mp4": _atom(b"ftyp", b"isom") + _atom(b"mdat", b"y" * 50) + _atom(b"moov", b"x" * 20),
        "large.mp4": _atom(b"ftyp") + _large_atom(b"free", b"z" * 30) + _atom(b"moov") + _atom(b"mdat"),
        "junk.mp4": b"not an mp4 at all",
        "empty.mp4": b"",
    }
    results = {}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        results[name] = is_faststart(tmp_path / name)
    assert results == {
        "fast.mp4": True,
        "slow.mp4": False,
        "large.mp4": True,
        "junk.mp4": False,
        "empty.mp4": False,
    }


GOOD = VideoSummary(
    width=1080,
    height=1920,
    video_codec="h264",
    pix_fmt="yuv420p",
    fps=30.0,
    duration=30.0,
    video_duration=30.0,
    audio_codec="aac",
    audio_duration=30.02,
    size_bytes=1000,
    faststart=True,
    bit_rate=1000,
)


def test_check_video_passes_a_good_summary() -> None:
    assert check_video(GOOD, width=1080, height=1920, fps=30) == []
    assert GOOD.as_dict()["video_codec"] == "h264"


def test_check_video_reports_each_problem() -> None:
    bad = replace(GOOD, video_codec="hevc", pix_fmt="yuv444p", width=720, fps=25.0, faststart=False)
    problems = check_video(bad, width=1080, height=1920, fps=30)
    assert len(problems) == 5
    joined = "\n".join(problems)
    for word in ("hevc", "yuv444p", "720x1920", "25 fps", "moov"):
        assert word in joined
    assert "apart" in check_video(replace(GOOD, audio_duration=30.3), width=1080, height=1920, fps=30)[0]
    assert "aac" in check_video(replace(GOOD, audio_codec=None), width=1080, height=1920, fps=30)[0]


def test_check_thumbnail_wants_a_jpeg_of_the_orientation_size(tmp_path: Path) -> None:
    good = tmp_path / "good.jpg"
    Image.new("RGB", (720, 1280), "navy").save(good, format="JPEG")
    assert check_thumbnail(good, vertical=True) == ((720, 1280), [])
    size, problems = check_thumbnail(good, vertical=False)
    assert size == (720, 1280) and problems == ["size (720, 1280) != (1280, 720)"]
    png = tmp_path / "wrong.png"
    Image.new("RGB", (1280, 720), "navy").save(png, format="PNG")
    assert check_thumbnail(png, vertical=False) == ((1280, 720), ["format PNG is not JPEG"])

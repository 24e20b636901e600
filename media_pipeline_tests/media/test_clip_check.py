"""Clip checks (``media.clip_check``) on real files made by ffmpeg: a good clip passes with its size and
length; 0 s, no video stream, 8K, truncated and garbled clips each fail with a message that says why."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from media_pipeline.media.clip_check import BadClipError, check_clip, usable_clips
from media_pipeline_tests.media import bad_clips
from media_pipeline_tests.media.clips import make_clip

BAD: dict[str, tuple[Callable[[Path, Path], Path], str]] = {
    "zero": (lambda out, _work: bad_clips.zero_seconds(out), "lasts 0 s"),
    "no-video": (lambda out, _work: bad_clips.audio_only(out), "has no video stream"),
    "8k": (lambda out, _work: bad_clips.eight_k(out), "7680x4320, larger than 4K"),
    "truncated": (bad_clips.truncated, "is not a readable video"),
    "garbled": (bad_clips.garbled, "does not decode"),
}


def test_a_good_clip_passes_with_its_size_and_length(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "ok.mp4", width=320, height=180, seconds=1.5)
    info = check_clip(clip, "the clip", max_seconds=10)
    assert (info.width, info.height) == (320, 180)
    assert info.duration == pytest.approx(1.5, abs=0.1)


@pytest.mark.parametrize("kind", sorted(BAD))
def test_a_bad_clip_fails_with_a_clear_reason(kind: str, tmp_path: Path) -> None:
    make, reason = BAD[kind]
    clip = make(tmp_path / f"{kind}.mp4", tmp_path)
    with pytest.raises(BadClipError, match=rf"^the clip of scene 2 .*{reason}"):
        check_clip(clip, "the clip of scene 2", max_seconds=10)


def test_a_clip_over_the_length_limit_fails(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "long.mp4", width=32, height=32, seconds=3.0, audio=False)
    with pytest.raises(BadClipError, match=r"lasts 3\.0 s, more than the limit of 2 s"):
        check_clip(clip, "upload 'long.mp4'", max_seconds=2)


def test_usable_clips_replaces_a_bad_clip_by_the_still_and_names_the_scene(tmp_path: Path) -> None:
    good = make_clip(tmp_path / "good.mp4", width=64, height=64, seconds=1.0, audio=False)
    bad = bad_clips.garbled(tmp_path / "bad.mp4", tmp_path)
    clips, problems = usable_clips([None, good, bad], max_seconds=10)
    assert clips == [None, good, None]
    assert len(problems) == 1
    assert problems[0].startswith("the clip of scene 2 does not decode")
    assert problems[0].endswith("scene 2 shows its still instead")

"""Library music tracks: ffprobe sniffing of uploads, fitting to the video's length (crossfaded loops,
trimmed with a fade-out) and the mastered mix with a track (present under the voice, −14 ± 1 LUFS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_pipeline.media.loudness import measure_loudness
from media_pipeline.media.mastering import master_audio
from media_pipeline.media.music_track import TrackRejectedError, crossfade_s, fit_track, inspect_track
from media_pipeline.media.probe import media_duration
from media_pipeline.media.process import run_process

from .clips import band_db, ffmpeg_cmd, make_clip, make_track
from .conftest import TinyTask


@pytest.mark.parametrize(
    ("suffix", "mime"),
    [(".mp3", "audio/mpeg"), (".m4a", "audio/mp4"), (".wav", "audio/wav"), (".aac", "audio/aac")],
)
def test_real_audio_is_accepted_with_its_type_and_length(suffix: str, mime: str, tmp_path: Path) -> None:
    info = inspect_track(make_track(tmp_path / f"t{suffix}", 6), "t")
    assert (info.mime, info.ext) == (mime, suffix)
    assert abs(info.duration_s - 6) < 0.1


def test_renamed_short_and_video_files_are_refused(tmp_path: Path) -> None:
    renamed = tmp_path / "song.mp3"
    renamed.write_bytes(b"ID3" + b"not really audio " * 200)
    with pytest.raises(TrackRejectedError, match=r"not a readable audio file|not MP3"):
        inspect_track(renamed, "song.mp3")
    with pytest.raises(TrackRejectedError, match=r"lasts 2\.0 s"):
        inspect_track(make_track(tmp_path / "short.wav", 2), "short.wav")
    clip = make_clip(tmp_path / "clip.mp4", width=64, height=64, seconds=6)
    with pytest.raises(TrackRejectedError):
        inspect_track(clip, "clip.mp4")


def test_a_short_track_loops_with_a_crossfade_to_the_exact_length(tmp_path: Path) -> None:
    track = make_track(tmp_path / "t.wav", 6)
    out = fit_track(track, 6.0, 14.0, tmp_path / "music.wav")
    assert abs(media_duration(out) - 14.0) < 0.01
    seam = 6.0 - crossfade_s(6.0) / 2  # the middle of the first crossfade: no gap, no dip
    assert abs(band_db(out, seam - 0.2, seam + 0.2) - band_db(out, 2.0, 3.0)) < 4
    assert band_db(out, 13.9, 14.0) < band_db(out, 9.0, 10.0) - 20  # faded out at the end


def test_a_long_track_is_trimmed_with_a_fade_out(tmp_path: Path) -> None:
    track = make_track(tmp_path / "t.mp3", 20)
    out = fit_track(track, media_duration(track), 8.0, tmp_path / "music.wav")
    assert abs(media_duration(out) - 8.0) < 0.01
    assert band_db(out, 7.9, 8.0) < band_db(out, 3.0, 4.0) - 20


def test_the_master_carries_the_track_under_the_voice_at_minus_14_lufs(
    tiny_task: TinyTask, tmp_path: Path
) -> None:
    narration = tmp_path / "late.wav"  # 3 s of silence before the speech: the track plays undocked there
    run_process(
        ffmpeg_cmd("-i", str(tiny_task.paths.narration_wav), "-af", "adelay=3s:all=1", str(narration))
    )
    duration = media_duration(narration)
    fitted = fit_track(make_track(tmp_path / "t.m4a", 6), 6.0, duration, tmp_path / "music.wav")
    with_track, loudness = master_audio(narration, fitted, tmp_path)
    assert -15.0 <= loudness.integrated_lufs <= -13.0, loudness
    assert loudness.true_peak_dbtp <= -1.0
    assert loudness == measure_loudness(with_track)  # metered while written = measured from the file
    kept = with_track.rename(tmp_path / "with-track.wav")
    voice_only, _ = master_audio(narration, None, tmp_path)
    # The track's pitch is in the mix before the speech, where the voice-only master is silent.
    assert band_db(kept, 0.5, 2.5) > band_db(voice_only, 0.5, 2.5) + 30
    assert measure_loudness(kept).problems() == []

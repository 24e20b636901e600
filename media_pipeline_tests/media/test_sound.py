"""The published sound: loudness and true peak of rendered clips measured with ffmpeg's ebur128 (with and
without music), music well under the voice, and subtitle-local segment caching."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from media_pipeline.media.fonts import font_family
from media_pipeline.media.loudness import measure_loudness
from media_pipeline.media.mastering import master_audio
from media_pipeline.media.music import generate_music
from media_pipeline.media.process import run_process
from media_pipeline.media.render import render_video
from media_pipeline.media.subtitles import write_ass
from media_pipeline.media.tts import Cue

from .clips import ffmpeg_cmd
from .conftest import TinyTask


def _mean_volume_db(path: Path, start: float, end: float) -> float:
    cmd = ffmpeg_cmd("-i", str(path), "-af", f"atrim={start}:{end},volumedetect", "-f", "null", "-")
    cmd[cmd.index("-loglevel") + 1] = "info"
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", run_process(cmd))
    assert match is not None
    return float(match[1])


@pytest.mark.parametrize("music", [False, True], ids=["voice", "voice+music"])
def test_rendered_clip_meets_youtube_loudness(music: bool, tiny_task: TinyTask, tmp_path: Path) -> None:
    music_wav = generate_music(tiny_task.narration.duration, tmp_path / "music.wav") if music else None
    result = render_video(tiny_task.render_spec(music_wav=music_wav), tmp_path / "out.mp4", tmp_path / "work")
    measured = measure_loudness(result.path)  # ebur128 on the AAC track of the MP4
    assert -15.0 <= measured.integrated_lufs <= -13.0, measured
    assert measured.true_peak_dbtp <= -1.0, measured
    assert measured.problems() == []
    assert abs(result.master_loudness.integrated_lufs - measured.integrated_lufs) < 0.5


def test_music_sits_well_under_the_voice(tiny_task: TinyTask, tmp_path: Path) -> None:
    sentence = tiny_task.paths.narration_wav
    speech_s = tiny_task.narration.cues[0].end
    narration = tmp_path / "gap.wav"  # first sentence, 3 s of silence, first sentence again
    graph = f"[0:a]atrim=0:{speech_s},asplit[a][b];[b]apad=pad_dur=3[c];[c][a]concat=n=2:v=0:a=1[out]"
    run_process(ffmpeg_cmd("-i", str(sentence), "-filter_complex", graph, "-map", "[out]", str(narration)))
    music = generate_music(2 * speech_s + 3, tmp_path / "music.wav")
    master, loudness = master_audio(narration, music, tmp_path)
    assert loudness.problems() == []
    voice = _mean_volume_db(master, 0, speech_s)
    bed = _mean_volume_db(master, speech_s + 1.0, speech_s + 2.8)  # after the ducking released
    assert voice - 30 < bed < voice - 12, (voice, bed)  # audible, but well under the voice


def test_editing_one_cue_rerenders_exactly_one_segment(
    tiny_task: TinyTask, font: Path, tmp_path: Path
) -> None:
    family = font_family(font)
    size = {"width": tiny_task.width, "height": tiny_task.height, "font_name": family}
    cues = list(tiny_task.narration.cues)
    first_ass = write_ass(cues, tmp_path / "first.ass", **size)
    work = tmp_path / "work"
    first = render_video(tiny_task.render_spec(subtitles_ass=first_ass), tmp_path / "a.mp4", work)
    assert (first.segments_rendered, first.segments_cached) == (3, 0)

    edited = [*cues]
    edited[2] = Cue(cues[2].start, cues[2].end, "고친 자막입니다!")  # the cue of scene 1
    edited_ass = write_ass(edited, tmp_path / "edited.ass", **size)
    second = render_video(tiny_task.render_spec(subtitles_ass=edited_ass), tmp_path / "b.mp4", work)
    assert (second.segments_rendered, second.segments_cached) == (1, 2)

    shutil.copyfile(first_ass, edited_ass)  # back to the original: the pruned segment is rendered again
    third = render_video(tiny_task.render_spec(subtitles_ass=edited_ass), tmp_path / "c.mp4", work)
    assert (third.segments_rendered, third.segments_cached) == (1, 2)

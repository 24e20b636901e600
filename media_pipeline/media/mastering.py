"""The final audio mix: compressed narration, background music (and the clips' own sound, when kept) at a
fixed distance below it and ducked under speech (sidechain), normalised to the loudness target by measured
gain and a true-peak-safe limiter.

Measured gain + limiter rather than two-pass ``loudnorm``: espeak-ng speech peaks ~20 dB above its
loudness, so ``loudnorm`` falls back to its dynamic mode; a gain step is exact. Every pass that writes a
track measures it on the way (``ebur128`` passes the audio through), so the voice-only master is two ffmpeg
runs (compress, gain + limit), ~0.42 s of CPU for 30 s, where a separate measuring run per pass made it
four (~0.59 s; bench/README.md, issue 27).
"""

from __future__ import annotations

from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.loudness import (
    TARGET_LUFS,
    Loudness,
    logged_loudness,
    measure_loudness,
    metered,
)

MIX_RATE = 44100
MUSIC_BELOW_VOICE_LU = 18.0  # music bed loudness relative to the narration, before ducking
CLIP_SOUND_BELOW_VOICE_LU = 12.0  # the clips' own sound (when the task keeps it): ambience, above the music
LIMIT_DBTP = -2.0  # limiter ceiling at 4x oversampling; leaves room for AAC overshoot under -1 dBTP
SETTLE_LU = 0.3  # a normalisation pass closer than this to the target is final
MAX_PASSES = 4
TIMEOUT_S = 600
_WAV = {"c:a": "pcm_f32le", "f": "wav"}


def _write(audio: Stream, out: Path) -> Loudness:
    """Write ``audio`` to ``out`` and return its loudness, measured on the way (one pass, no re-read)."""
    with atomic_path(out) as tmp:
        stderr = run_graph(metered(audio).output(str(tmp), **_WAV), timeout=TIMEOUT_S, loglevel="info")
    return logged_loudness(stderr, out.name)


def mix_format(audio: Stream) -> Stream:
    """``audio`` resampled to the mix's float mono at :data:`MIX_RATE`."""
    return audio.filter("aresample", MIX_RATE).filter(
        "aformat", sample_fmts="fltp", sample_rates=MIX_RATE, channel_layouts="mono"
    )


def _voice(narration: Path, out: Path) -> Loudness:
    # Gentle speech compression: lowers the peak-to-loudness ratio so the limiter rarely has to act.
    compressed = mix_format(ffmpeg.input(str(narration)).audio).filter(
        "acompressor", threshold="-30dB", ratio=4, attack=1, release=80, knee=4
    )
    return _write(compressed, out)


def _mix(voice: Path, beds: list[tuple[Path, float]], out: Path) -> Loudness:
    """``voice`` over ``beds`` (each looped, at its gain in dB), the beds ducked under speech together."""
    split = ffmpeg.input(str(voice)).audio.filter_multi_output("asplit")
    spoken, key = split.stream(0), split.stream(1)
    leveled = [
        mix_format(ffmpeg.input(str(path), stream_loop=-1).audio).filter("volume", f"{gain_db:.2f}dB")
        for path, gain_db in beds
    ]
    bed = (
        leveled[0] if len(leveled) == 1 else ffmpeg.filter(leveled, "amix", inputs=len(leveled), normalize=0)
    )
    ducked = ffmpeg.filter([bed, key], "sidechaincompress", threshold=0.02, ratio=6, attack=20, release=400)
    return _write(ffmpeg.filter([spoken, ducked], "amix", inputs=2, duration="first", normalize=0), out)


def _gain_and_limit(source: Path, gain_db: float, out: Path) -> Loudness:
    ceiling = 10 ** (LIMIT_DBTP / 20)
    limited = (
        ffmpeg.input(str(source))
        .audio.filter("volume", f"{gain_db:.2f}dB")
        .filter("aresample", MIX_RATE * 4)
        .filter("alimiter", limit=f"{ceiling:.4f}", attack=1, release=20, level="disabled")
        .filter("aresample", MIX_RATE)
    )
    return _write(limited, out)


def normalize(source: Path, source_lufs: float, out: Path, target_lufs: float = TARGET_LUFS) -> Loudness:
    """Write ``source`` (``source_lufs`` loud) to ``out`` at ``target_lufs`` with true peak under
    ``LIMIT_DBTP``; returns the measured result. The gain is corrected by measurement when the limiter took
    loudness away."""
    gain = target_lufs - source_lufs
    for _ in range(MAX_PASSES):
        result = _gain_and_limit(source, gain, out)
        if abs(result.integrated_lufs - target_lufs) <= SETTLE_LU:
            break
        gain += target_lufs - result.integrated_lufs
    return result


def master_audio(
    narration: Path, music: Path | None, work_dir: Path, clip_sound: Path | None = None
) -> tuple[Path, Loudness]:
    """The publishable mix of ``narration`` over looped ``music`` and the clips' ``clip_sound`` (each at its
    distance below the voice, ducked under speech) as ``work_dir/master.wav``."""
    voice = work_dir / "voice.wav"
    mix, mix_loudness = voice, _voice(narration, voice)
    below = [(music, MUSIC_BELOW_VOICE_LU), (clip_sound, CLIP_SOUND_BELOW_VOICE_LU)]
    if any(path is not None for path, _ in below):
        voice_lufs = mix_loudness.integrated_lufs
        beds = [
            (path, voice_lufs - distance - measure_loudness(path).integrated_lufs)
            for path, distance in below
            if path is not None
        ]
        mix = work_dir / "mix.wav"
        mix_loudness = _mix(voice, beds, mix)
    master = work_dir / "master.wav"
    loudness = normalize(mix, mix_loudness.integrated_lufs, master)
    for intermediate in {voice, mix}:
        intermediate.unlink()
    return master, loudness

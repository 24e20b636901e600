"""The clips' own sound as one track for the mix, when the task asks for it (``clipAudio``;
docs/ARCHITECTURE.md §8, "Clips as scene media"): each clip scene's sound, looped or cut like its picture,
placed at the scene's start; silence elsewhere. Mastering ducks it under the narration like music."""

from __future__ import annotations

import itertools
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.mastering import MIX_RATE, mix_format
from media_pipeline.media.probe import probe

TIMEOUT_S = 600


def has_sound(clip: Path) -> bool:
    """True if ``clip`` has an audio stream."""
    return any(stream.get("codec_type") == "audio" for stream in probe(clip).get("streams", []))


def _scene_sound(clip: Path, start_s: float, seconds: float) -> Stream:
    looped = mix_format(ffmpeg.input(str(clip), stream_loop=-1).audio)
    delay_ms = round(start_s * 1000)
    return (
        looped.filter("atrim", duration=f"{seconds:.6f}")
        .filter("asetpts", "PTS-STARTPTS")
        .filter("adelay", delays=delay_ms, all=1)
    )


def clip_sound_track(clips: list[Path | None], frames: list[int], fps: int, out: Path) -> Path | None:
    """Write the clips' sound (``clips`` and ``frames`` per scene, None for a still) to ``out`` as a WAV as
    long as the video; None when no clip has sound."""
    starts = itertools.accumulate(frames, initial=0)
    parts = [
        _scene_sound(clip, start / fps, count / fps)
        for clip, start, count in zip(clips, starts, frames, strict=False)
        if clip is not None and has_sound(clip)
    ]
    if not parts:
        return None
    mixed = parts[0] if len(parts) == 1 else ffmpeg.filter(parts, "amix", inputs=len(parts), normalize=0)
    total_s = sum(frames) / fps
    track = mixed.filter("apad", whole_dur=f"{total_s:.6f}").filter("atrim", duration=f"{total_s:.6f}")
    with atomic_path(out) as tmp:
        run_graph(track.output(str(tmp), ar=MIX_RATE, ac=1, f="wav"), timeout=TIMEOUT_S)
    return out

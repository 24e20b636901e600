"""Library music tracks (docs/ARCHITECTURE.md §12): what an upload really is (ffprobe: a real MP3, AAC/M4A
or WAV audio stream of an accepted length, never a renamed file), and a track fitted to the video's
length: looped with a crossfade when shorter, trimmed with a fade-out when longer."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import ffmpeg

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.music import SAMPLE_RATE
from media_pipeline.media.probe import probe

MIN_TRACK_S = 5.0
MAX_TRACK_S = 20 * 60.0
MAX_CROSSFADE_S = 2.0
MAX_FADE_OUT_S = 3.0
# ffprobe format name -> (accepted audio codecs, MIME type, stored extension)
FORMATS: dict[str, tuple[frozenset[str], str, str]] = {
    "mp3": (frozenset({"mp3"}), "audio/mpeg", ".mp3"),
    "aac": (frozenset({"aac"}), "audio/aac", ".aac"),
    "mov,mp4,m4a,3gp,3g2,mj2": (frozenset({"aac", "alac"}), "audio/mp4", ".m4a"),
    "wav": (frozenset({"pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8"}), "audio/wav", ".wav"),
}


class TrackRejectedError(PermanentError):
    """An uploaded file that is not an accepted music track; the message says why."""

    code = "TRACK_REJECTED"


@dataclass(frozen=True)
class TrackInfo:
    """What ffprobe found in an accepted track."""

    mime: str
    ext: str
    duration_s: float


def inspect_track(path: Path, name: str) -> TrackInfo:
    """Describe the upload ``path`` (client name ``name``, for messages) or raise TrackRejectedError: not
    decodable, not MP3/AAC/M4A/WAV, no audio stream, a video picture in it, or shorter than
    ``MIN_TRACK_S`` / longer than ``MAX_TRACK_S``."""
    try:
        described = probe(path)
    except (PermanentError, json.JSONDecodeError) as exc:
        raise TrackRejectedError(f"{name!r} is not a readable audio file") from exc
    fmt = str(described.get("format", {}).get("format_name", ""))
    streams = described.get("streams", [])
    accepted = FORMATS.get(fmt)
    if accepted is None:
        raise TrackRejectedError(f"{name!r} is not MP3, AAC, M4A or WAV audio (found {fmt or 'nothing'})")
    codecs, mime, ext = accepted
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    pictures = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    if not audio or audio[0].get("codec_name") not in codecs:
        raise TrackRejectedError(f"{name!r} has no {'/'.join(sorted(codecs))} audio stream")
    if pictures:
        raise TrackRejectedError(f"{name!r} contains video; upload the audio only")
    try:
        duration = float(described["format"].get("duration") or audio[0].get("duration"))
    except (TypeError, ValueError) as exc:
        raise TrackRejectedError(f"{name!r} has no duration") from exc
    if not MIN_TRACK_S <= duration <= MAX_TRACK_S:
        raise TrackRejectedError(
            f"{name!r} lasts {duration:.1f} s; a track must last "
            f"{MIN_TRACK_S:.0f} s to {MAX_TRACK_S / 60:.0f} min"
        )
    return TrackInfo(mime, ext, duration)


def crossfade_s(track_s: float) -> float:
    """How long consecutive loops of a track overlap."""
    return min(MAX_CROSSFADE_S, track_s / 4)


def loops_needed(track_s: float, duration: float) -> int:
    """How many copies of a ``track_s`` track, each crossfaded into the next, cover ``duration``."""
    if track_s >= duration:
        return 1
    overlap = crossfade_s(track_s)
    return math.ceil((duration - overlap) / (track_s - overlap))


def fit_track(track: Path, track_s: float, duration: float, out_wav: Path) -> Path:
    """Write ``track`` fitted to ``duration`` seconds to ``out_wav`` (mono 44.1 kHz WAV, like the generated
    pad): the track looped with a ``crossfade_s`` acrossfade as often as needed, then cut at ``duration``
    with a fade-out; the ducking and loudness of the mix stay in ``media/mastering.py``."""
    if duration <= 0:
        raise PermanentError(f"music duration must be positive, got {duration}")
    count = loops_needed(track_s, duration)
    # One input per copy: acrossfade must read each copy from its start (an asplit stalls it). Each input
    # is offset to where its copy starts in the bed, which also keeps the copies distinct nodes of the
    # graph (ffmpeg-python merges identical ones).
    step = track_s - crossfade_s(track_s)
    copies = [
        ffmpeg.input(str(track), itsoffset=f"{i * step:.3f}")
        .audio.filter("aresample", SAMPLE_RATE)
        .filter("aformat", sample_rates=SAMPLE_RATE, channel_layouts="mono")
        for i in range(count)
    ]
    joined = copies[0]
    for copy in copies[1:]:
        joined = ffmpeg.filter([joined, copy], "acrossfade", d=f"{crossfade_s(track_s):.3f}")
    fade = min(MAX_FADE_OUT_S, duration / 4)
    bed = joined.filter("atrim", end=f"{duration:.3f}").filter(
        "afade", t="out", st=f"{duration - fade:.3f}", d=f"{fade:.3f}"
    )
    with atomic_path(out_wav) as tmp:
        run_graph(bed.output(str(tmp), acodec="pcm_s16le", f="wav"), timeout=300)
    return out_wav

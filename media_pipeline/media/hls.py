"""VOD HLS ladder of a finished video: renditions that fit its orientation, ~6 s segments, a master playlist.

One ffmpeg process decodes the source once, splits it and encodes every rendition (``var_stream_map``);
keyframes are forced every :data:`SEGMENT_S` seconds so all renditions cut at the same instants (clean
switching between them). Segments are MPEG-TS (``.ts``), which every HLS player accepts. Each encoder uses
two sliced threads: frame threads would hold several frames per rendition (510 MB peak for a 1080x1920
ladder against 391 MB, same CPU; see bench/README.md), and the ladder must fit the task's memory budget.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg
from ffmpeg.nodes import OutputStream, Stream

from media_pipeline.domain.paths import HLS_MASTER
from media_pipeline.errors import PermanentError
from media_pipeline.media.ffgraph import run_graph
from media_pipeline.media.probe import VideoSummary

SEGMENT_S = 6
RENDITION_PLAYLIST = "index.m3u8"


@dataclass(frozen=True)
class Rung:
    """One rung of the ladder, named by its short side (``1080p``), with its target bitrates."""

    short_side: int
    video_kbps: int
    audio_kbps: int

    @property
    def name(self) -> str:
        """``1080p``, ``720p``, ..."""
        return f"{self.short_side}p"


LADDER = (Rung(1080, 5000, 128), Rung(720, 2800, 128), Rung(480, 1200, 96))


@dataclass(frozen=True)
class Rendition:
    """A rendition as written: its size, bandwidth and playlist path relative to the ladder folder."""

    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int

    @property
    def playlist(self) -> str:
        """Relative path of the rendition's media playlist."""
        return f"{self.name}/{RENDITION_PLAYLIST}"


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan_ladder(width: int, height: int) -> list[Rendition]:
    """Renditions for a ``width`` x ``height`` source: every rung no larger than the source, keeping its
    aspect ratio (1080x1920 gives 1080x1920, 720x1280 and 480x854); a source smaller than the lowest rung
    gets one rendition at its own size."""
    short, long_side = min(width, height), max(width, height)
    picked: list[Rendition] = []
    for rung in LADDER:
        if rung.short_side > short:
            continue
        scaled_long = _even(long_side * rung.short_side / short)
        size = (rung.short_side, scaled_long) if width <= height else (scaled_long, rung.short_side)
        picked.append(Rendition(rung.name, *size, rung.video_kbps, rung.audio_kbps))
    if not picked:
        low = LADDER[-1]
        picked.append(Rendition(f"{short}p", _even(width), _even(height), low.video_kbps, low.audio_kbps))
    return picked


def _graph(source: Path, out: Path, ladder: list[Rendition], fps: float, has_audio: bool) -> OutputStream:
    """One decode of ``source``, split into a scaled video per rendition (each with the source audio),
    all muxed by the HLS muxer as ``var_stream_map`` variants."""
    media = ffmpeg.input(str(source))
    split = media.video.filter_multi_output("split")
    streams: list[Stream] = []
    options: dict[str, Any] = {}
    for i, rendition in enumerate(ladder):
        scaled = split.stream(i).filter("scale", rendition.width, rendition.height, flags="lanczos")
        streams.append(scaled.filter("setsar", 1))
        options |= {
            f"c:v:{i}": "libx264", f"b:v:{i}": f"{rendition.video_kbps}k",
            f"maxrate:v:{i}": f"{round(rendition.video_kbps * 1.1)}k",
            f"bufsize:v:{i}": f"{rendition.video_kbps * 2}k",
        }  # fmt: skip
        if has_audio:
            streams.append(media["a:0"])
            options |= {f"c:a:{i}": "aac", f"b:a:{i}": f"{rendition.audio_kbps}k"}
    stream_map = " ".join(
        f"v:{i},a:{i},name:{r.name}" if has_audio else f"v:{i},name:{r.name}" for i, r in enumerate(ladder)
    )
    gop = max(1, round(fps * SEGMENT_S))
    options |= {
        "preset": "veryfast", "profile:v": "high", "pix_fmt": "yuv420p",
        "threads": 2, "x264-params": "sliced-threads=1",
        "g": gop, "keyint_min": gop, "sc_threshold": 0,
        "force_key_frames": f"expr:gte(t,n_forced*{SEGMENT_S})",
        "f": "hls", "hls_time": SEGMENT_S, "hls_playlist_type": "vod",
        "hls_flags": "independent_segments",
        "hls_segment_filename": str(out / "%v" / "segment_%03d.ts"),
        "master_pl_name": HLS_MASTER, "var_stream_map": stream_map,
    }  # fmt: skip
    return ffmpeg.output(*streams, str(out / "%v" / RENDITION_PLAYLIST), **options)


def transcode_hls(
    source: Path,
    summary: VideoSummary,
    out_dir: Path,
    *,
    on_seconds: Callable[[float], None] | None = None,
    timeout: float | None = 1800,
) -> list[Rendition]:
    """Write the HLS ladder of ``source`` into ``out_dir`` (``master.m3u8`` + ``<rendition>/index.m3u8`` +
    segments) and return its renditions.

    The ladder is built in a temp folder beside ``out_dir`` and renamed into place, so ``out_dir`` never
    holds half a ladder; an existing ``out_dir`` is replaced.
    """
    ladder = plan_ladder(summary.width, summary.height)
    if summary.fps <= 0:
        raise PermanentError(f"{source} has no frame rate; cannot plan keyframes")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    work.chmod(0o755)  # mkdtemp makes it private; the ladder is as readable as the task's other outputs
    try:
        for rendition in ladder:
            (work / rendition.name).mkdir()
        graph = _graph(source, work, ladder, summary.fps, summary.audio_codec is not None)
        run_graph(graph, on_seconds=on_seconds, timeout=timeout)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        work.rename(out_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ladder

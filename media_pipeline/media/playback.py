"""The playback files of a rendered video: analysis.json and the HLS ladder, without Dagster
(docs/ARCHITECTURE.md §7, playback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_pipeline.domain.paths import HLS_MASTER
from media_pipeline.fsutil import write_json_atomic
from media_pipeline.media.analysis import analyze
from media_pipeline.media.hls import Rendition, transcode_hls
from media_pipeline.media.probe import VideoSummary


@dataclass
class PlaybackFiles:
    """The analysis and HLS ladder of a video, with the files in the order to publish them."""

    analysis: dict[str, Any]
    renditions: list[Rendition]
    files: list[Path]
    """``analysis.json``, the segments, the rendition playlists and the master playlist last: a reader
    that finds the master finds everything it names."""

    @property
    def master(self) -> Path:
        """The master playlist."""
        return self.files[-1]


def make_playback(
    video: Path,
    summary: VideoSummary,
    analysis_json: Path,
    hls_dir: Path,
    on_fraction: Callable[[float], None],
) -> PlaybackFiles:
    """Analyse ``video`` into ``analysis_json`` and transcode its HLS ladder into ``hls_dir``;
    ``on_fraction`` receives the transcoded share (0-1)."""
    analysis = analyze(video)
    write_json_atomic(analysis_json, analysis)
    duration = max(summary.duration, 0.001)
    renditions = transcode_hls(
        video, summary, hls_dir, on_seconds=lambda s: on_fraction(min(1.0, s / duration))
    )
    master = hls_dir / HLS_MASTER
    files = sorted(p for p in hls_dir.rglob("*") if p.is_file() and p != master)
    files.sort(key=lambda p: p.suffix == ".m3u8")  # segments, then rendition playlists
    return PlaybackFiles(analysis, renditions, [analysis_json, *files, master])

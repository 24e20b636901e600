"""Still frames cut from a video by ffmpeg (e.g. a thumbnail source when no scene image fits)."""

from __future__ import annotations

from pathlib import Path

import ffmpeg

from media_pipeline.errors import PermanentError
from media_pipeline.fsutil import atomic_path
from media_pipeline.media.ffgraph import run_graph


def extract_frame(video: Path, out: Path, at_s: float, timeout: float = 60) -> Path:
    """Write the frame of ``video`` shown at ``at_s`` seconds to ``out`` (format from its suffix, e.g.
    PNG) atomically; the seek is accurate (input seek, then decode to the exact frame)."""
    with atomic_path(out) as tmp:
        source = ffmpeg.input(str(video), ss=f"{max(0.0, at_s):.3f}")
        run_graph(source.output(str(tmp), **{"frames:v": 1}, update=1), timeout=timeout)
        if not tmp.stat().st_size:
            raise PermanentError(f"no frame of {video} at {at_s:.3f} s")
    return out

"""The ffmpeg and ffprobe executables and ``-progress`` parsing (graphs are built in ffgraph.py)."""

from __future__ import annotations

from collections.abc import Callable

from media_pipeline.liveness import Meter

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"


def progress_seconds(line: str) -> float | None:
    """Seconds of output written, from one ``-progress`` line (``out_time_us=``/``out_time_ms=``), or None.

    ffmpeg 5.1 writes both keys in microseconds (``out_time_ms`` is misnamed); ``N/A`` gives None.
    """
    key, _, value = line.partition("=")
    if key not in ("out_time_us", "out_time_ms"):
        return None
    try:
        return max(0.0, int(value) / 1_000_000)
    except ValueError:
        return None


def progress_reader(on_seconds: Callable[[float], None]) -> Callable[[str], None]:
    """An ``on_line`` callback for ``-progress pipe:1`` that reports seconds written to ``on_seconds``
    (and, as the run worker's liveness, each growth of ``out_time``)."""
    meter = Meter("ffmpeg out_time", "s")

    def on_line(line: str) -> None:
        seconds = progress_seconds(line.strip())
        if seconds is not None:
            meter.update(seconds)
            on_seconds(seconds)

    return on_line

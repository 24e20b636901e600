"""ffmpeg command building: common flags, filter-graph escaping and ``-progress`` parsing."""

from __future__ import annotations

from collections.abc import Callable

FFMPEG = "ffmpeg"
FFPROBE = "ffprobe"
# Characters special to a filter option value, then to the filter graph around it (two parsing levels).
_OPTION_SPECIALS = "\\':"
_GRAPH_SPECIALS = "\\'[],;"


def ffmpeg_cmd(*args: str) -> list[str]:
    """``ffmpeg`` with quiet, non-interactive, overwrite flags, followed by ``args``."""
    return [FFMPEG, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y", *args]


def _backslash(text: str, specials: str) -> str:
    return "".join(f"\\{ch}" if ch in specials else ch for ch in text)


def escape_filter_value(value: str) -> str:
    """Escape ``value`` (e.g. a file path) for ``option=value`` inside ``-vf``/``-filter_complex``."""
    return _backslash(_backslash(value, _OPTION_SPECIALS), _GRAPH_SPECIALS)


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
    """An ``on_line`` callback for ``-progress pipe:1`` that reports seconds written to ``on_seconds``."""

    def on_line(line: str) -> None:
        seconds = progress_seconds(line.strip())
        if seconds is not None:
            on_seconds(seconds)

    return on_line

"""Analysis of a finished video as a JSON document: container, streams, bitrate and loudness (ffprobe +
ffmpeg's EBU R128 meter)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from media_pipeline.media.loudness import measure_loudness
from media_pipeline.media.probe import probe

_STREAM_KEYS = {
    "video": (
        "codec_name",
        "profile",
        "width",
        "height",
        "pix_fmt",
        "avg_frame_rate",
        "bit_rate",
        "duration",
    ),
    "audio": ("codec_name", "sample_rate", "channels", "channel_layout", "bit_rate", "duration"),
}


def _number(value: Any) -> Any:
    """ffprobe's numeric strings as numbers; anything else unchanged."""
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                continue
    return value


def analyze(path: Path) -> dict[str, Any]:
    """JSON-ready analysis of ``path``: ``format`` (duration, size, bit rate), one entry per stream in
    ``streams`` and ``loudness`` (None without audio)."""
    info = probe(path)
    fmt = info.get("format", {})
    streams = []
    for stream in info.get("streams", []):
        kind = stream.get("codec_type")
        if kind not in _STREAM_KEYS:
            continue
        entry = {"index": stream.get("index"), "type": kind}
        entry.update({key: _number(stream[key]) for key in _STREAM_KEYS[kind] if key in stream})
        streams.append(entry)
    has_audio = any(stream["type"] == "audio" for stream in streams)
    return {
        "format": {
            "format_name": fmt.get("format_name"),
            "duration_s": _number(fmt.get("duration")),
            "size_bytes": _number(fmt.get("size")),
            "bit_rate": _number(fmt.get("bit_rate")),
        },
        "streams": streams,
        "loudness": asdict(measure_loudness(path)) if has_audio else None,
    }

"""Per-segment subtitle files: each keeps the ASS header and only the events overlapping its time window,
so a segment's cache key changes only when one of its own cues changes."""

from __future__ import annotations

from pathlib import Path

from media_pipeline.fsutil import write_bytes_atomic

_EVENT = "Dialogue:"


def ass_seconds(clock: str) -> float:
    """Seconds of an ASS ``H:MM:SS.cc`` time."""
    hours, minutes, seconds = clock.strip().split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _window(line: str) -> tuple[float, float]:
    _layer, start, end, _rest = line[len(_EVENT) :].split(",", 3)
    return ass_seconds(start), ass_seconds(end)


def event_windows(ass: Path) -> list[tuple[float, float]]:
    """``(start, end)`` seconds of every event of an ASS file, in file order."""
    return [_window(line) for line in ass.read_text(encoding="utf-8").splitlines() if line.startswith(_EVENT)]


def split_ass(ass: Path, windows: list[tuple[float, float]], out_dir: Path, prefix: str) -> list[Path]:
    """Write ``<prefix>NN.ass`` per ``(start, end)`` window (seconds) and return the paths in order.

    Event times stay absolute (segments shift their timestamps to their place in the video); files of
    windows an earlier call had beyond these are removed.
    """
    lines = ass.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if not line.startswith(_EVENT)]
    events = [(line, *_window(line)) for line in lines if line.startswith(_EVENT)]
    paths = []
    for index, (start, end) in enumerate(windows):
        own = [line for line, cue_start, cue_end in events if cue_start < end and cue_end > start]
        body = "\n".join([*header, *own]) + "\n"
        path = out_dir / f"{prefix}{index:02d}.ass"
        if not path.is_file() or path.read_text(encoding="utf-8") != body:
            write_bytes_atomic(path, body.encode("utf-8"))
        paths.append(path)
    for stale in set(out_dir.glob(f"{prefix}*.ass")) - set(paths):  # scenes an earlier render had
        stale.unlink(missing_ok=True)
    return paths

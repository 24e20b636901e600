"""Where burned-in captions really land: an ASS file drawn alone by ffmpeg's ``subtitles`` filter over a
black and over a white frame at the moments its events show, and the ``bbox`` of what was drawn
(docs/ARCHITECTURE.md §9, "Captions")."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ffmpeg.nodes import Stream

from media_pipeline.media.ass_split import event_windows
from media_pipeline.media.captions import SafeArea
from media_pipeline.media.ffgraph import lavfi_source, run_graph

# Luma above which a pixel counts as drawn (the background is 16 after the white frame's negation ~20).
DRAWN_LUMA = 40
MAX_SAMPLES = 240
TIMEOUT_S = 600


@dataclass(frozen=True)
class Drawn:
    """The bounding box ``(x1, y1, x2, y2)`` (inclusive pixels) of what the captions drew at ``time``."""

    time: float
    box: tuple[int, int, int, int]

    def outside(self, area: tuple[int, int, int, int]) -> bool:
        """True if any drawn pixel lies outside ``area``."""
        x1, y1, x2, y2 = area
        return self.box[0] < x1 or self.box[1] < y1 or self.box[2] > x2 or self.box[3] > y2


def sample_frames(ass: Path, fps: int) -> list[int]:
    """Frame numbers at the middle of every event (each frame once, at most ``MAX_SAMPLES`` spread
    evenly)."""
    frames = sorted({round((start + end) / 2 * fps) for start, end in event_windows(ass) if end > start})
    step = max(1, -(-len(frames) // MAX_SAMPLES))
    return frames[::step]


def _read_boxes(path: Path, fps: int) -> dict[int, tuple[int, int, int, int]]:
    """Frame number → bbox from a ``metadata=print`` file (frames where nothing was drawn are absent)."""
    boxes: dict[int, tuple[int, int, int, int]] = {}
    frame = -1
    values: dict[str, int] = {}
    for line in [*path.read_text(encoding="utf-8").splitlines(), "frame:end"]:
        if line.startswith("frame:"):
            if {"x1", "y1", "x2", "y2"} <= values.keys():
                boxes[frame] = (values["x1"], values["y1"], values["x2"], values["y2"])
            time = next((part for part in line.split() if part.startswith("pts_time:")), "pts_time:-1")
            frame, values = round(float(time.split(":", 1)[1]) * fps), {}
        elif line.startswith("lavfi.bbox."):
            key, _, value = line[len("lavfi.bbox.") :].partition("=")
            values[key] = int(value)
    return boxes


def _drawn_on(
    background: str, ass: Path, size: tuple[int, int], fps: int, frames: list[int], fonts_dir: Path | None
) -> dict[int, tuple[int, int, int, int]]:
    width, height = size
    seconds = (frames[-1] + 1) / fps
    source = lavfi_source("color", color=background, size=f"{width}x{height}", rate=fps, duration=seconds)
    picked = "+".join(f"eq(n,{frame})" for frame in frames)
    options = {"filename": str(ass.resolve())}
    if fonts_dir is not None:
        options["fontsdir"] = str(fonts_dir.resolve())
    video: Stream = source.filter("select", picked).filter("subtitles", **options)
    if background == "white":
        video = video.filter("negate")
    with tempfile.TemporaryDirectory(prefix="captions-") as tmp:
        found = Path(tmp) / "bbox.txt"
        video = video.filter("bbox", min_val=DRAWN_LUMA).filter("metadata", mode="print", file=str(found))
        run_graph(video.output("-", f="null"), timeout=TIMEOUT_S)
        return _read_boxes(found, fps) if found.is_file() else {}


def drawn_boxes(ass: Path, size: tuple[int, int], fps: int, fonts_dir: Path | None = None) -> list[Drawn]:
    """The extent of the captions at each sampled frame (see :func:`sample_frames`): the union of what
    shows over black (light text) and over white (outlines, shadows, boxes)."""
    frames = sample_frames(ass, fps)
    if not frames:
        return []
    dark = _drawn_on("black", ass, size, fps, frames, fonts_dir)
    light = _drawn_on("white", ass, size, fps, frames, fonts_dir)
    drawn = []
    for frame in sorted(dark.keys() | light.keys()):
        boxes = [box for box in (dark.get(frame), light.get(frame)) if box is not None]
        union = tuple(
            f(values) for f, values in zip((min, min, max, max), zip(*boxes, strict=True), strict=True)
        )
        drawn.append(Drawn(frame / fps, (union[0], union[1], union[2], union[3])))
    return drawn


def captions_outside(
    ass: Path, size: tuple[int, int], fps: int, area: SafeArea, fonts_dir: Path | None = None
) -> list[str]:
    """Problems (empty when none): the times at which captions drew outside ``area`` of the frame."""
    box = area.box(*size)
    return [
        f"captions at {drawn.time:.2f}s cover {drawn.box}, outside the safe area {box}"
        for drawn in drawn_boxes(ass, size, fps, fonts_dir)
        if drawn.outside(box)
    ]

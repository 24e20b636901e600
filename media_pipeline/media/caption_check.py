"""Where burned-in captions really land: an ASS file drawn by libass, as the video's captions are, at the
moments its events show, and the box of what was drawn (docs/ARCHITECTURE.md §9, "Captions")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from media_pipeline.media.ass_split import event_windows
from media_pipeline.media.caption_overlay import frame_ms
from media_pipeline.media.captions import SafeArea
from media_pipeline.media.libass import AssRenderer, Drawing

# Opacity above which a pixel counts as drawn (10 %: fainter is antialiasing).
DRAWN_ALPHA = 25
MAX_SAMPLES = 240


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


def _ink_box(drawing: Drawing) -> tuple[int, int, int, int] | None:
    """The inclusive frame box of the pixels ``drawing`` covers visibly (alpha above DRAWN_ALPHA)."""
    if drawing.image is None:
        return None
    box = drawing.image.getchannel("A").point(lambda alpha: 255 if alpha > DRAWN_ALPHA else 0).getbbox()
    if box is None:
        return None
    x1, y1, x2, y2 = box
    return drawing.x + x1, drawing.y + y1, drawing.x + x2 - 1, drawing.y + y2 - 1


def drawn_boxes(ass: Path, size: tuple[int, int], fps: int, fonts_dir: Path | None = None) -> list[Drawn]:
    """The extent of the captions (text, outlines, shadows, boxes) at each sampled frame (see
    :func:`sample_frames`), as libass draws them into the video."""
    drawn = []
    with AssRenderer(size, fonts_dir) as renderer, renderer.track(ass) as track:
        for frame in sample_frames(ass, fps):
            box = _ink_box(track.draw(frame_ms(frame, fps)))
            if box is not None:
                drawn.append(Drawn(frame / fps, box))
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

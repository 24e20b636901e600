"""Ken Burns motion for one still image: its ffmpeg-python filter chain and the frame budget of each scene."""

from __future__ import annotations

from enum import StrEnum

from ffmpeg.nodes import Stream

ZOOM = 0.15
# Bump when the filter below changes, so cached segments are re-rendered.
FILTER_VERSION = 4


class Motion(StrEnum):
    """Camera move over a still image."""

    ZOOM_IN = "zoom_in"
    PAN_RIGHT = "pan_right"
    ZOOM_OUT = "zoom_out"
    PAN_LEFT = "pan_left"


MOTION_CYCLE = (Motion.ZOOM_IN, Motion.PAN_RIGHT, Motion.ZOOM_OUT, Motion.PAN_LEFT)


def motion_for(index: int) -> Motion:
    """Alternating moves: zoom in, pan right, zoom out, pan left, ..."""
    return MOTION_CYCLE[index % len(MOTION_CYCLE)]


def frame_counts(durations: list[float], fps: int) -> list[int]:
    """Frames per scene from cumulative rounding, so the total drifts at most half a frame from the sum."""
    counts: list[int] = []
    elapsed = 0.0
    boundary = 0
    for duration in durations:
        elapsed += duration
        end = max(boundary + 1, round(elapsed * fps))
        counts.append(end - boundary)
        boundary = end
    return counts


def cover(stream: Stream, width: int, height: int) -> Stream:
    """Scale (Lanczos) and centre-crop one image to cover ``width`` x ``height``, in yuv420p."""
    return (
        stream.filter("scale", width, height, force_original_aspect_ratio="increase", flags="lanczos")
        .filter("crop", width, height)
        .filter("setsar", 1)
        .filter("format", "yuv420p")
    )


def _zoomed(width: int, height: int) -> tuple[int, int]:
    """The frame size zoomed by ZOOM (even sides): the picture every move is cut from."""
    big_w, big_h = (2 * round(side * (1 + ZOOM) / 2) for side in (width, height))
    return big_w, big_h


def _repeated(stream: Stream, count: int, fps: int) -> Stream:
    """One frame repeated ``count`` times at ``fps``, numbered from 0."""
    return (
        stream.filter("loop", loop=count - 1, size=1)
        .filter("settb", expr=f"1/{fps}")
        .filter("setpts", expr="N")
        .filter("fps", fps=fps)
    )


def _zoom(
    stream: Stream, zoom_in: bool, frames: int, width: int, height: int, fps: int, first: int, count: int
) -> Stream:
    """The image is scaled once (Lanczos) to cover the frame zoomed by ZOOM; each frame scales that picture
    (bilinear, never more than 1 / (1 + ZOOM) down) to the frame size times the frame's zoom and crops its
    centre. Resampling the whole picture moves the edges by fractions of a pixel; only the crop's corner
    is whole pixels (half a pixel off centre at most). A third less CPU than zoompan over a 2x cover, which
    re-created a bicubic scaler for a 2x-sized window every frame (bench/README.md, issue 27)."""
    progress = f"(n+{first})/{max(frames - 1, 1)}"
    zoom = f"(1+{ZOOM}*{progress})" if zoom_in else f"({1 + ZOOM}-{ZOOM}*{progress})"
    scaled_w, scaled_h = f"round({width}*{zoom})", f"round({height}*{zoom})"
    return (
        _repeated(cover(stream, *_zoomed(width, height)), count, fps)
        .filter("scale", w=scaled_w, h=scaled_h, eval="frame", flags="bilinear")
        # crop's in_w is the first frame's: the centre comes from the same zoom.
        .filter(
            "crop",
            width,
            height,
            x=f"floor(({scaled_w}-{width})/2)",
            y=f"floor(({scaled_h}-{height})/2)",
            exact=1,
        )
        .filter("setsar", 1)
    )


def _pan(
    stream: Stream, right: bool, frames: int, width: int, height: int, fps: int, first: int, count: int
) -> Stream:
    """A pan needs no resampling per frame: the image is scaled once to cover the frame zoomed by ZOOM, the
    frame repeated ``count`` times and a moving window cropped at whole output pixels (``exact``: odd
    offsets too)."""
    progress = f"(n+{first})/{max(frames - 1, 1)}"
    x = f"(iw-ow)*{progress}" if right else f"(iw-ow)*(1-{progress})"
    return _repeated(cover(stream, *_zoomed(width, height)), count, fps).filter(
        "crop", w=width, h=height, x=x, y="(ih-oh)/2", exact=1
    )


def kenburns(
    stream: Stream,
    motion: Motion,
    frames: int,
    width: int,
    height: int,
    fps: int,
    *,
    first: int = 0,
    count: int = 0,
) -> Stream:
    """``stream`` (ONE frame) turned into ``count`` frames of ``width`` x ``height`` yuv420p at ``fps``:
    frames ``first`` .. ``first + count - 1`` of the scene's ``frames``-frame move (``count`` 0: up to its
    end), so a scene split into pieces moves continuously across them."""
    count = count or frames - first
    if first < 0 or count <= 0 or first + count > frames:
        raise ValueError(f"frames {first}..{first + count - 1} are not within a {frames}-frame move")
    if motion in (Motion.PAN_RIGHT, Motion.PAN_LEFT):
        return _pan(stream, motion is Motion.PAN_RIGHT, frames, width, height, fps, first, count)
    return _zoom(stream, motion is Motion.ZOOM_IN, frames, width, height, fps, first, count)

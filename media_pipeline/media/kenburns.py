"""Ken Burns motion for one still image: the ffmpeg filter and the frame budget of each scene."""

from __future__ import annotations

from enum import StrEnum

ZOOM = 0.15
# Bump when the filter below changes, so cached segments are re-rendered.
FILTER_VERSION = 2


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


def kenburns_filter(
    motion: Motion, frames: int, width: int, height: int, fps: int, *, first: int = 0, count: int = 0
) -> str:
    """Filter chain for ONE input frame: cover-crop at 2x size (less zoompan jitter), then zoompan to
    ``count`` output frames of ``width`` x ``height`` at ``fps``: frames ``first`` .. ``first + count - 1``
    of the scene's ``frames``-frame move (``count`` 0: up to its end), so a scene split into pieces moves
    continuously across them."""
    count = count or frames - first
    if first < 0 or count <= 0 or first + count > frames:
        raise ValueError(f"frames {first}..{first + count - 1} are not within a {frames}-frame move")
    progress = f"(on+{first})/{max(frames - 1, 1)}"
    centre_x, centre_y = "iw/2-(iw/zoom/2)", "ih/2-(ih/zoom/2)"
    zoom, x, y = {
        Motion.ZOOM_IN: (f"1+{ZOOM}*{progress}", centre_x, centre_y),
        Motion.ZOOM_OUT: (f"{1 + ZOOM}-{ZOOM}*{progress}", centre_x, centre_y),
        Motion.PAN_RIGHT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*{progress}", centre_y),
        Motion.PAN_LEFT: (f"{1 + ZOOM}", f"(iw-iw/zoom)*(1-{progress})", centre_y),
    }[motion]
    big_w, big_h = 2 * width, 2 * height
    # zoompan runs in yuv420p (the format=yuv420p below makes the upscale convert once): its crop offsets
    # are then even in the 2x image, i.e. whole output pixels; rgb24 would cost ~3x as much CPU per frame.
    return (
        f"scale={big_w}:{big_h}:force_original_aspect_ratio=increase:flags=lanczos,"
        f"crop={big_w}:{big_h},setsar=1,"
        f"zoompan=z='{zoom}':x='{x}':y='{y}':d={count}:s={width}x{height}:fps={fps},"
        "format=yuv420p"
    )

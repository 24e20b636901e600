"""A segment's burned-in captions as still overlays (docs/ARCHITECTURE.md §9, "Captions"): our captions
are static between event boundaries, so libass draws each state once (an RGBA image cropped to its ink)
and ffmpeg overlays it on exactly the frames that show it, instead of the ``subtitles`` filter drawing and
blending every glyph layer on every frame. Captions that move within a state (animation tags) are
detected and left to the ``subtitles`` filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.media.ass_split import event_windows
from media_pipeline.media.libass import AssRenderer

CAPTION_IMAGE_PREFIX = "caption-"


@dataclass(frozen=True)
class CaptionState:
    """Frames ``first`` .. ``last`` of a segment show ``image`` at ``(x, y)``."""

    first: int
    last: int
    image: Path
    x: int
    y: int


def frame_ms(frame: int, fps: int) -> int:
    """The millisecond ffmpeg hands libass for frame ``frame`` at ``fps`` (rounded half up)."""
    return (2000 * frame + fps) // (2 * fps)


def _runs(windows: list[tuple[int, int]], start_frame: int, frames: int, fps: int) -> list[list[int]]:
    """``[first, last]`` frame runs of the segment over which the same events are on screen (libass shows
    an event at ``ms`` when ``start <= ms < end``); runs with no event are left out."""
    runs: list[list[int]] = []
    previous: frozenset[int] = frozenset()
    for frame in range(frames):
        ms = frame_ms(start_frame + frame, fps)
        active = frozenset(i for i, (start, end) in enumerate(windows) if start <= ms < end)
        if active and active == previous:
            runs[-1][1] = frame
        elif active:
            runs.append([frame, frame])
        previous = active
    return runs


def caption_states(
    ass: Path, fps: int, start_frame: int, frames: int, renderer: AssRenderer, out_dir: Path
) -> list[CaptionState] | None:
    """Draw every caption state of the ``frames`` frames starting at video frame ``start_frame`` with
    ``renderer`` into ``out_dir``; None when a state's pixels change within it (animated captions)."""
    windows = [(round(start * 1000), round(end * 1000)) for start, end in event_windows(ass)]
    states: list[CaptionState] = []
    with renderer.track(ass) as track:
        for first, last in _runs(windows, start_frame, frames, fps):
            drawing = track.draw(frame_ms(start_frame + first, fps))
            if last > first and track.draw(frame_ms(start_frame + last, fps)).changed:
                return None
            if drawing.image is None:
                continue
            path = out_dir / f"{CAPTION_IMAGE_PREFIX}{len(states):03d}.png"
            drawing.image.save(path, compress_level=1)
            states.append(CaptionState(first, last, path, drawing.x, drawing.y))
    return states


def overlay_captions(video: Stream, states: list[CaptionState]) -> Stream:
    """``video`` (frames counted from 0) with each state's image over its frames."""
    for state in states:
        image = ffmpeg.input(str(state.image))
        enable = f"between(n,{state.first},{state.last})"
        video = video.overlay(image, x=state.x, y=state.y, enable=enable)
    return video


def captioned(
    video: Stream, ass: Path, fps: int, window: tuple[int, int], renderer: AssRenderer, out_dir: Path
) -> Stream:
    """``video`` (the frames ``window`` = ``(start_frame, frames)`` of a video at ``fps`` of the
    ``renderer``'s size, counted from 0) with the captions of ``ass``: each state drawn once by
    ``renderer`` into ``out_dir`` and overlaid; captions that move within a state burned in by the
    ``subtitles`` filter (with the renderer's fonts directory)."""
    start_frame, frames = window
    states = caption_states(ass, fps, start_frame, frames, renderer, out_dir)
    if states is not None:
        return overlay_captions(video, states)
    options = {"filename": str(ass.resolve())}
    if renderer.fonts_dir is not None:
        options["fontsdir"] = str(renderer.fonts_dir.resolve())
    # Shift PTS by the start time (start_frame/fps seconds, divided by TB into ticks, rounded: setpts
    # truncates, and 3/10/(1/10) is 2.999...) so the subtitles filter sees the frames at their place in the
    # video, then shift back.
    return (
        video.filter("setpts", expr=f"PTS+round({start_frame}/{fps}/TB)")
        .filter("subtitles", **options)
        .filter("setpts", expr="PTS-STARTPTS")
    )

"""A generated video clip as a scene's moving picture (mediaMode ``sora2``): looped to the scene's length,
resampled to the output rate, scaled and centre-cropped to cover the frame; video only, so the clip's own
audio never reaches the render (docs/ARCHITECTURE.md §8)."""

from __future__ import annotations

import ffmpeg
from ffmpeg.nodes import Stream

from media_pipeline.media.kenburns import cover


def clip_picture(clip: str, width: int, height: int, fps: int, *, first: int, count: int) -> Stream:
    """Frames ``first`` .. ``first + count - 1`` of the scene, cut from ``clip`` played in a loop
    (``-stream_loop -1``), at ``fps`` and ``width`` x ``height`` yuv420p. Only the clip's video stream is
    used."""
    if first < 0 or count <= 0:
        raise ValueError(f"frames {first}..{first + count - 1} are not a clip window")
    looped = ffmpeg.input(clip, stream_loop=-1).video
    return (
        cover(looped.filter("fps", fps=fps), width, height)
        .filter("trim", start_frame=first, end_frame=first + count)
        .filter("setpts", expr="PTS-STARTPTS")
    )

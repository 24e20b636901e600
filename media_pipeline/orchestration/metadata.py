"""Metadata builders shown in the Dagster UI (file info, ffprobe summary, image previews)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

if TYPE_CHECKING:  # only the video stage makes these; a run worker of another stage never loads them
    from media_pipeline.media.loudness import Loudness
    from media_pipeline.media.probe import VideoSummary
    from media_pipeline.media.render import RenderResult
    from media_pipeline.media.tts import Narration


def file_metadata(path: Path, location: str) -> dict[str, dg.MetadataValue]:
    """Where a produced file is stored (``file://`` or ``s3://``) and its size (``path``: the local copy)."""
    return {
        "path": dg.MetadataValue.text(location),
        "size_bytes": dg.MetadataValue.int(path.stat().st_size),
    }


def image_preview(path: Path, max_side: int = 240) -> dg.MetadataValue:
    """A small inline JPEG of ``path`` as markdown, rendered by the Dagster UI."""
    from PIL import Image

    with Image.open(path) as opened:
        image = opened.convert("RGB")
        image.thumbnail((max_side, max_side))
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=70)
    encoded = base64.b64encode(buffer.getvalue()).decode()
    return dg.MetadataValue.md(f"![preview](data:image/jpeg;base64,{encoded})")


def ffprobe_metadata(summary: VideoSummary) -> dict[str, dg.MetadataValue]:
    """The ffprobe summary as a JSON metadata value."""
    return {"ffprobe": dg.MetadataValue.json(summary.as_dict())}


def video_metadata(
    path: Path, location: str, render: RenderResult, summary: VideoSummary
) -> dict[str, dg.MetadataValue]:
    """Materialization metadata of a rendered video stored at ``location`` (``status: cached`` when no
    segment was rendered)."""
    return {
        **file_metadata(path, location),
        "duration_s": dg.MetadataValue.float(round(summary.duration, 3)),
        "resolution": dg.MetadataValue.text(f"{summary.width}x{summary.height}"),
        "segments_rendered": dg.MetadataValue.int(render.segments_rendered),
        "segments_cached": dg.MetadataValue.int(render.segments_cached),
        "status": dg.MetadataValue.text("cached" if render.segments_rendered == 0 else "rendered"),
        **ffprobe_metadata(summary),
    }


def narration_metadata(narration: Narration, target_s: float) -> dict[str, dg.MetadataValue]:
    """Who spoke, the target duration and how many sentences were dropped to meet it."""
    return {
        "voice": dg.MetadataValue.text(narration.voice),
        "target_duration_s": dg.MetadataValue.float(target_s),
        "sentences_dropped": dg.MetadataValue.int(len(narration.dropped)),
    }


def loudness_metadata(loudness: Loudness) -> dict[str, dg.MetadataValue]:
    """EBU R128 measurements of the published audio."""
    return {
        "integrated_lufs": dg.MetadataValue.float(loudness.integrated_lufs),
        "true_peak_dbtp": dg.MetadataValue.float(loudness.true_peak_dbtp),
        "loudness_range_lu": dg.MetadataValue.float(loudness.range_lu),
    }

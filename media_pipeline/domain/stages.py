"""The pipeline stages: one Dagster asset each (the video stage also materializes ``playback``), run in
this order for every generation of a task."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """The pipeline stages, in execution order."""

    SCRIPT = "script"
    IMAGES = "images"
    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    YOUTUBE_VIDEO = "youtube_video"


STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)
"""Stage names in execution order; also the Dagster asset names."""

FIRST_STAGE = Stage.SCRIPT
"""The stage every generation starts with: launched by the queue sensor and the repeats schedule, every
later stage by the stage chain sensor."""

NARRATION_SHARE = 15.0
"""Percent of the video stage's progress spent on narration (TTS); the rest is composing."""


def overall_progress(stage: str, percent: float) -> float:
    """Task progress (0-100) when ``stage`` is ``percent`` done: each stage is an equal share."""
    share = min(max(percent, 0.0), 100.0) / 100.0
    return round((STAGES.index(stage) + share) * 100.0 / len(STAGES), 2)

"""Messages of the v1 progress socket ``WS /ws/v1/videos/{videoId}/progress`` (camelCase, task statuses and
stage names as ``GET /api/v1/videos/{videoId}/progress`` has them)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from media_pipeline.api.render_contract import EventType
from media_pipeline.api.schemas import ApiModel
from media_pipeline.store import TaskProgress, TaskStatus


class ProgressConnected(ApiModel):
    """First message of the v1 progress socket."""

    type: Literal["connected"] = "connected"
    video_id: str
    generation: int | None = Field(
        description="The generation followed (the socket closes when it ends); null receives every event of "
        "the video."
    )
    timestamp: datetime


class ProgressUpdate(ApiModel):
    """A v1 progress-socket message after ``connected``: one ``snapshot``, then ``status``/``progress``."""

    type: EventType
    video_id: str
    generation: int
    status: TaskStatus
    step: str | None = Field(description="The stage running or last run (script, images, video, ...).")
    progress: float = Field(ge=0, le=100)
    message: str | None
    last_error: str | None
    updated_at: datetime

    @classmethod
    def of(cls, kind: EventType, state: TaskProgress) -> ProgressUpdate:
        """The message for the task's ``state``."""
        return cls(
            type=kind,
            video_id=state.task_id,
            generation=state.generation,
            status=state.status,
            step=state.step,
            progress=state.progress,
            message=state.message,
            last_error=state.last_error,
            updated_at=state.updated_at,
        )

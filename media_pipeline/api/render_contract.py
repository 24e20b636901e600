"""The render-job wire contract of seed 002 (§2.1-§2.4): snake_case JSON, uppercase job statuses and steps.

A render job is one generation of a video (task); ``RenderJobView`` and ``PublishedView`` of the store are
translated here: task statuses to ``PENDING | RUNNING | SUCCEEDED | FAILED | CANCELED``, stages to steps.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from media_pipeline.api.schemas import UtcTimes
from media_pipeline.domain.stages import NARRATION_SHARE, Stage, overall_progress
from media_pipeline.store import (
    REVIEW_AFTER,
    ContentKind,
    PublishedView,
    RenderJobView,
    TaskProgress,
    TaskStatus,
)


class RenderJobWireStatus(StrEnum):  # the wire's translation of TaskStatus (the app's: domain/statuses.py)
    """Status of a render job."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


_STATUS = {
    TaskStatus.DRAFT: RenderJobWireStatus.PENDING,
    TaskStatus.SCHEDULED: RenderJobWireStatus.PENDING,
    TaskStatus.QUEUED: RenderJobWireStatus.PENDING,
    TaskStatus.RUNNING: RenderJobWireStatus.RUNNING,
    TaskStatus.REVIEW: RenderJobWireStatus.RUNNING,
    TaskStatus.SUCCEEDED: RenderJobWireStatus.SUCCEEDED,
    TaskStatus.FAILED: RenderJobWireStatus.FAILED,
    TaskStatus.CANCELED: RenderJobWireStatus.CANCELED,
}
_STEPS = {
    Stage.SCRIPT: "VALIDATE_SCRIPT",
    Stage.IMAGES: "GENERATE_IMAGES",
    Stage.VIDEO: "COMPOSE_VIDEO",
    Stage.THUMBNAIL: "THUMBNAIL",
    Stage.YOUTUBE_VIDEO: "PUBLISH",
}
EventType = Literal["snapshot", "status", "progress"]
_TTS_DONE = overall_progress(Stage.VIDEO, NARRATION_SHARE)


def job_status(status: TaskStatus) -> RenderJobWireStatus:
    """The wire status of a render job (generation) whose task has ``status``."""
    return _STATUS[status]


def job_step(stage: str | None, progress: float, status: TaskStatus | None = None) -> str | None:
    """The step of a job at ``stage`` with overall ``progress``: the video stage narrates (GENERATE_TTS)
    before it composes (COMPOSE_VIDEO); a task waiting in review is at STORYBOARD_REVIEW or FINAL_REVIEW."""
    if stage is None:
        return None
    if status is TaskStatus.REVIEW and stage in REVIEW_AFTER:
        return f"{REVIEW_AFTER[stage].value.upper()}_REVIEW"
    if stage == Stage.VIDEO and progress < _TTS_DONE:
        return "GENERATE_TTS"
    return _STEPS[Stage(stage)]


class _Wire(UtcTimes):
    model_config = ConfigDict(extra="forbid")


class CreateRenderJobBody(_Wire):
    """Render the video's script (it must be approved)."""

    script_id: Annotated[str, Field(min_length=1, max_length=100, examples=["t3f9a0c1d2b4e-script"])]


class RenderAssets(_Wire):
    """Download URLs of the job's files (API paths; bearer header or ``access_token`` query)."""

    video_url: str | None
    subtitle_url: str | None
    thumbnail_url: str | None


class RenderJob(_Wire):
    """One render job (one generation of the video)."""

    job_id: str = Field(description="``{video_id}-g{generation}``")
    video_id: str
    script_id: str
    status: RenderJobWireStatus
    step: str | None = Field(
        description="VALIDATE_SCRIPT, GENERATE_IMAGES, STORYBOARD_REVIEW, GENERATE_TTS, COMPOSE_VIDEO, "
        "THUMBNAIL, FINAL_REVIEW or PUBLISH"
    )
    progress: int = Field(ge=0, le=100)
    message: str | None
    error_code: str | None
    error_message: str | None
    assets: RenderAssets
    awaiting_approval: bool = Field(
        description="The script is written and waits for approve-script, or the job waits for a storyboard "
        "or final review (step STORYBOARD_REVIEW / FINAL_REVIEW)."
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, job: RenderJobView) -> RenderJob:
        """The wire form of a store job."""
        urls = {asset.kind: asset.url for asset in job.assets}
        return cls(
            job_id=job.id,
            video_id=job.video_id,
            script_id=job.script_id,
            status=job_status(job.status),
            step=job_step(job.stage, job.progress, job.status),
            progress=int(job.progress),
            message=job.message,
            error_code=job.error_code,
            error_message=job.error_message,
            assets=RenderAssets(
                video_url=urls.get(ContentKind.VIDEO),
                subtitle_url=urls.get(ContentKind.SUBTITLES),
                thumbnail_url=urls.get(ContentKind.THUMBNAIL),
            ),
            awaiting_approval=job.awaiting_approval,
            created_by=job.created_by,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
        )


class CreatedRenderJob(RenderJob):
    """Answer of create: ``created`` false when a PENDING/RUNNING job was returned instead."""

    created: bool

    @classmethod
    def answer(cls, job: RenderJobView, created: bool) -> CreatedRenderJob:
        """The create answer for ``job``."""
        wire = RenderJob.of(job)
        message = "New job created and started" if created else f"Existing {wire.status.value} job returned"
        return cls.model_validate({**wire.model_dump(), "message": message, "created": created})


class RenderFile(_Wire):
    """One file or published item of a job (script, scene images, video, subtitles, thumbnail, publish)."""

    id: int = Field(description="``asset_id`` of ``.../assets/{asset_id}``")
    kind: ContentKind
    stage: str | None
    url: str | None = Field(description="Download URL (API path or presigned), null without a file.")
    external_url: str | None = Field(description="Where it was published (YouTube or the publish folder).")
    metadata: dict[str, Any]
    created_at: datetime


class RenderFileList(_Wire):
    """Every file of a job, oldest first."""

    video_id: str
    job_id: str
    files: list[RenderFile]


class RenderJobList(_Wire):
    """A page of a video's jobs, newest first."""

    video_id: str
    jobs: list[RenderJob]
    total: int
    limit: int
    offset: int


class PublishedAssets(_Wire):
    """The latest published render of a video (``published: false`` and no other fields before)."""

    video_id: str
    published: bool
    video_url: str | None = None
    subtitle_url: str | None = None
    thumbnail_url: str | None = None
    duration_sec: float | None = None
    published_at: datetime | None = None
    script_id: str | None = None
    job_id: str | None = None
    playback_url: str | None = Field(
        default=None, description="``GET`` it (authenticated) for a signed HLS master playlist URL."
    )

    @classmethod
    def of(cls, view: PublishedView) -> PublishedAssets:
        """The wire form of the store's published record (only ``video_id`` and ``published`` are set
        before the first publish: serialize with ``exclude_unset``)."""
        if not view.published:
            return cls(video_id=view.video_id, published=False)
        return cls(
            video_id=view.video_id,
            published=view.published,
            video_url=view.video_url,
            subtitle_url=view.subtitle_url,
            thumbnail_url=view.thumbnail_url,
            duration_sec=view.duration_s,
            published_at=view.published_at,
            script_id=view.script_id,
            job_id=view.job_id,
            playback_url=f"/api/v1/videos/{view.video_id}/playback",
        )


class ConnectedMessage(_Wire):
    """First message of ``WS /ws/videos/{video_id}/render-progress``."""

    type: Literal["connected"] = "connected"
    video_id: str
    job_id: str | None = Field(description="The job followed; null receives every event of the video.")
    message: str = "Connected to render progress stream"
    timestamp: datetime


class ProgressEvent(_Wire):
    """A progress-stream message after ``connected``: one ``snapshot``, then ``status``/``progress``."""

    type: EventType
    video_id: str
    job_id: str | None
    status: RenderJobWireStatus
    step: str | None
    progress: int = Field(ge=0, le=100)
    message: str | None
    error_message: str | None
    updated_at: datetime

    @classmethod
    def of(cls, kind: EventType, state: TaskProgress, job: str | None) -> ProgressEvent:
        """The event for the task's ``state`` (``job`` is its job id, None before the first job)."""
        return cls(
            type=kind,
            video_id=state.task_id,
            job_id=job,
            status=job_status(state.status),
            step=job_step(state.step, state.progress, state.status),
            progress=int(state.progress),
            message=state.message,
            error_message=state.last_error,
            updated_at=state.updated_at,
        )

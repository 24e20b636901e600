"""Read models returned by the services: plain, frozen pydantic objects detached from the session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, computed_field

from media_pipeline.domain.models import TaskSettings, VideoType
from media_pipeline.domain.statuses import ScriptReview, StageStatus, TaskStatus, UserContentStatus
from media_pipeline.settings import PlanLimits
from media_pipeline.store.actions import TaskActions, task_actions
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel, Repeat, UserContentType
from media_pipeline.store.scripts import script_id, script_review


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


def _metadata_field() -> Any:
    return Field(default_factory=dict, validation_alias=AliasChoices("meta", "metadata"))


class QueueView(_View):
    """A queue; pass ``version`` to the next mutating call."""

    id: str
    name: str
    default_options: dict[str, Any]
    version: int
    created_at: datetime
    updated_at: datetime


class TaskView(_View):
    """A task row (drafts, queued, running and finished tasks alike)."""

    id: str
    queue_id: str
    title: str
    description: str
    type: VideoType
    status: TaskStatus
    asset_id: str | None
    batch_id: str | None
    queue_position: int | None
    generation: int
    settings: dict[str, Any]
    product: dict[str, Any] | None
    progress: float
    step: str | None
    message: str | None
    last_error: str | None
    youtube_url: str | None
    requires_approval: bool
    script_approved_at: datetime | None
    script_rejected_at: datetime | None
    content_id: str | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    draft_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime

    def task_settings(self) -> TaskSettings:
        """The settings as the domain model."""
        return TaskSettings.model_validate(self.settings)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actions(self) -> TaskActions:
        """The commands the task's status allows (docs/ARCHITECTURE.md §3, task actions)."""
        return task_actions(self.status)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def script_id(self) -> str:
        """The id of the task's script."""
        return script_id(self.id)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def script_review(self) -> ScriptReview:
        """The review status of the task's current script."""
        return script_review(self.requires_approval, self.script_approved_at, self.script_rejected_at)


class StageStateView(_View):
    """State of one stage of one generation."""

    task_id: str
    generation: int
    stage: str
    status: StageStatus
    attempt: int
    auto_retries: int
    max_attempts: int
    next_retry_at: datetime | None
    run_id: str | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


class TaskProgress(_View):
    """Where a task is: its current generation, overall percent, step and message, when that last changed,
    and (when asked for) the generation's stage states in order. Validates from a task row."""

    task_id: str = Field(validation_alias=AliasChoices("task_id", "id"))
    status: TaskStatus
    generation: int
    progress: float
    step: str | None
    message: str | None
    last_error: str | None
    updated_at: datetime
    stages: list[StageStateView] = []


class LogView(_View):
    """One task log entry."""

    id: int
    task_id: str
    generation: int | None
    stage: str | None
    level: LogLevel
    action_type: LogAction
    message: str
    pid: int | None
    process_name: str | None
    run_id: str | None
    metadata: dict[str, Any] = _metadata_field()
    created_at: datetime


class ContentView(_View):
    """A produced file or published item."""

    id: int
    task_id: str
    generation: int
    stage: str | None
    kind: ContentKind
    path: str | None
    url: str | None
    metadata: dict[str, Any] = _metadata_field()
    created_at: datetime


class ScheduleView(_View):
    """A task schedule."""

    id: str
    task_id: str
    scheduled_time: datetime
    repeat: Repeat
    repeat_config: dict[str, Any]
    time_zone: str
    next_run_at: datetime | None
    last_run_at: datetime | None
    last_generation: int | None
    is_active: bool
    privacy: str | None
    publish_at: datetime | None
    channel_setting_id: str | None
    created_at: datetime
    updated_at: datetime


class ChannelView(_View):
    """A YouTube channel setting of the workspace; ``authorized`` once its token file exists."""

    id: str
    name: str
    youtube_channel_id: str | None
    authorized: bool
    is_default: bool = False
    made_for_kids: bool | None = None
    voice: str | None = None
    created_at: datetime
    updated_at: datetime


class ContentFileView(_View):
    """A downloadable file of a "my contents" item (``url`` downloads it, like a render job's asset)."""

    kind: ContentKind
    url: str


class UserContentView(_View):
    """A "my contents" item: one generation of a task, from written script to published video, with its
    video's duration and its files (script, video, subtitles, thumbnail) once they exist."""

    id: str
    task_id: str
    generation: int
    type: UserContentType
    title: str
    status: UserContentStatus
    youtube_url: str | None
    error: str | None
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    duration_s: float | None = None
    files: list[ContentFileView] = []


class DeletedContentView(_View):
    """What deleting a "my contents" item removed: the generation's file records and stored files. A
    YouTube upload (``youtube_url``) is not deleted from YouTube."""

    id: str
    task_id: str
    generation: int
    deleted_records: int
    deleted_files: int
    youtube_url: str | None


class PlanView(_View):
    """A workspace's plan, its limits and how many productions it started today (UTC)."""

    plan: str
    limits: PlanLimits
    runs_today: int


class TabItem(_View):
    """One row of a stage tab: a task with the stage it is at."""

    task_id: str
    title: str
    task_status: TaskStatus
    generation: int
    stage: str | None
    stage_status: StageStatus | None
    attempt: int
    next_retry_at: datetime | None
    error: str | None
    progress: float
    queued_at: datetime | None
    next_run_at: datetime | None = None
    """The next schedule occurrence (scheduled tab)."""
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actions(self) -> TaskActions:
        """The commands the task's status allows (docs/ARCHITECTURE.md §3, task actions)."""
        return task_actions(self.task_status)


class StageTab(_View):
    """Tasks waiting for and being processed by one stage."""

    waiting: list[TabItem] = []
    processing: list[TabItem] = []


class StageTabs(_View):
    """The UI tabs: scheduled (예약큐), per stage (in order) waiting/processing, then failed and done."""

    scheduled: list[TabItem]
    stages: dict[str, StageTab]
    failed: list[TabItem]
    done: list[TabItem]


class QueueChange(_View):
    """Result of a queue mutation: the new queue ``version`` and the affected drafts."""

    version: int
    tasks: list[TaskView]


class AddResult(QueueChange):
    """``tasks`` in request order (existing drafts of the same asset included); ``created_ids`` are new."""

    created_ids: list[str]


class DeleteResult(_View):
    """Result of a bulk delete."""

    version: int
    deleted_ids: list[str]


class RunResult(_View):
    """Result of a run: tasks queued now and tasks waiting for their scheduled time."""

    version: int
    batch_id: str | None
    queued: list[TaskView]
    scheduled: list[TaskView]


class RerunResult(_View):
    """Result of a re-run: the task afterwards and whether this call started its new generation."""

    task: TaskView
    started: bool


class StoppedProcess(_View):
    """A process of a stopped run, as its worker's heartbeat recorded it: the run worker itself or a
    child process group it started (ffmpeg, espeak-ng)."""

    run_id: str
    stage: str
    host: str
    pid: int
    role: str


class StopResult(_View):
    """Result of a stop (seed 001 §12.4): the task afterwards, whether anything changed, the runs asked to
    terminate, the stages canceled while running or waiting, the schedules paused and the processes of
    the terminated runs that are ended with them."""

    task: TaskView
    terminated_run_ids: list[str]
    changed: bool
    canceled_running_stages: list[str] = []
    canceled_waiting_stages: list[str] = []
    paused_schedules: int = 0
    ended_processes: list[StoppedProcess] = []


class RenderAssetView(_View):
    """A produced file or published item of a render job; ``url`` downloads the file (None without one)."""

    id: int
    kind: ContentKind
    stage: str | None
    url: str | None
    external_url: str | None
    metadata: dict[str, Any]
    created_at: datetime


class RenderJobView(_View):
    """One generation of a task (a render job): ``id`` is ``{taskId}-g{generation}``."""

    id: str
    video_id: str
    script_id: str
    generation: int
    status: TaskStatus
    step: str | None
    progress: float
    message: str | None
    error_code: str | None
    error_message: str | None
    requires_approval: bool
    script_approved_at: datetime | None
    awaiting_approval: bool
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    stages: list[StageStateView]
    assets: list[RenderAssetView]

    def progress_view(self) -> TaskProgress:
        """The job's final progress (for a job superseded by a newer generation)."""
        return TaskProgress(
            task_id=self.video_id,
            status=self.status,
            generation=self.generation,
            progress=self.progress,
            step=self.step,
            message=self.message,
            last_error=self.error_message,
            updated_at=self.updated_at,
        )


class PublishedView(_View):
    """The files and publish record of a task's latest published generation (``published`` False and the
    rest None before the first publish)."""

    video_id: str
    published: bool
    script_id: str | None = None
    job_id: str | None = None
    generation: int | None = None
    video_url: str | None = None
    subtitle_url: str | None = None
    thumbnail_url: str | None = None
    duration_s: float | None = None
    published_at: datetime | None = None
    youtube_url: str | None = None
    publish_url: str | None = None
    target: str | None = None


class LibraryTaskView(_View):
    """One task made from a library item (its history), with its status and YouTube URL."""

    task_id: str = Field(validation_alias=AliasChoices("task_id", "id"))
    title: str
    status: TaskStatus
    generation: int
    youtube_url: str | None
    created_at: datetime
    updated_at: datetime


class ThumbnailRef(_View):
    """The latest produced thumbnail of the tasks made from a library item."""

    task_id: str
    generation: int
    content_id: int


class LibraryItemView(_View):
    """A library item (seed 000's asset) with the tasks made from it, newest first."""

    id: str
    title: str
    type: VideoType
    product: dict[str, Any] | None
    source_urls: list[str]
    settings: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    history: list[LibraryTaskView] = []
    thumbnail: ThumbnailRef | None = None

    @classmethod
    def row_fields(cls) -> tuple[str, ...]:
        """The fields read from the ``library_items`` row."""
        return ("id", "title", "type", "product", "source_urls", "settings", "created_at", "updated_at")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def latest_status(self) -> TaskStatus | None:
        """The status of the latest task made from the item (None if none was made)."""
        return self.history[0].status if self.history else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def youtube_url(self) -> str | None:
        """The YouTube URL of the latest published task made from the item."""
        return next((entry.youtube_url for entry in self.history if entry.youtube_url), None)

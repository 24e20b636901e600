"""Every read model of the store, in one module (docs/ARCHITECTURE.md §1): plain, frozen pydantic objects
detached from the session, returned by the services; ``api/schemas*.py`` subclass them for the wire."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, computed_field

from media_pipeline.domain.models import TaskSettings, VideoType
from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import (
    ConnectionStatus,
    EditStatus,
    ImageJobStatus,
    ImageStatus,
    ReviewStatus,
    ScriptReview,
    StageStatus,
    TaskStatus,
    UserContentStatus,
)
from media_pipeline.settings import PlanLimits
from media_pipeline.store.credit_models import Charge, LedgerKind
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel, Repeat, UserContentType
from media_pipeline.store.moves import TASK_MOVES
from media_pipeline.store.review_models import EditKind, ReviewKind
from media_pipeline.store.scripts import script_id, script_review


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


def _metadata_field() -> Any:
    return Field(default_factory=dict, validation_alias=AliasChoices("meta", "metadata"))


# -- task actions (docs/ARCHITECTURE.md §3): one rule, derived from the legal moves (``moves.TASK_MOVES``),
# used by the services to refuse a command and sent on every task view (``actions``) so the console shows
# exactly the buttons the server accepts.


class TaskActions(BaseModel):
    """The commands a task in its status accepts (True) or refuses (False)."""

    model_config = ConfigDict(frozen=True)

    run: bool
    """Queue it (a draft, through the queue's Run)."""
    edit: bool
    """Change its options (a draft)."""
    delete: bool
    """Delete it from the queue (a draft)."""
    stop: bool
    """Cancel the work in flight or waiting (scheduled, queued, running, in review)."""
    retry: bool
    """Resume from its failed stage (failed)."""
    rerun: bool
    """Produce it again as a new generation (finished: succeeded, failed, canceled)."""
    review: bool
    """Decide the review it waits for."""


def task_actions(status: TaskStatus) -> TaskActions:
    """The commands ``status`` allows: a draft is run, edited or deleted (stopping it is deleting it); a
    status that may move to ``canceled`` can be stopped; one that is only ever queued again is finished and
    can be re-run, and retried when it failed."""
    moves = TASK_MOVES[status]
    draft = status is TaskStatus.DRAFT
    finished = moves == {TaskStatus.QUEUED}
    return TaskActions(
        run=draft,
        edit=draft,
        delete=draft,
        stop=not draft and TaskStatus.CANCELED in moves,
        retry=finished and status is TaskStatus.FAILED,
        rerun=finished,
        review=status is TaskStatus.REVIEW,
    )


# -- queues, tasks, schedules, channels, contents, render jobs, library -----------------------------------


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
    """The current stage (``tasks.step``; v1's wire name ``step`` is kept)."""
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
    """The current stage (``tasks.step``; v1's wire name ``step`` is kept)."""
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
    stage: str | None
    """The stage it is at (or ended at); the wire's ``step`` is translated from it (api.render_contract)."""
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
        """The render job's final progress (for one superseded by a newer generation)."""
        return TaskProgress(
            task_id=self.video_id,
            status=self.status,
            generation=self.generation,
            progress=self.progress,
            step=self.stage,
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


# -- accounts, audit, publish connections -----------------------------------------------------------------


class UserView(_View):
    """A user of the workspace (never the password hash)."""

    id: str
    username: str
    is_admin: bool
    disabled_at: datetime | None
    created_at: datetime


class AuditEntryView(_View):
    """One audit log entry."""

    id: int
    actor_id: str
    action: str
    target: str
    details: dict[str, Any]
    created_at: datetime


class ConnectionView(BaseModel):
    """A connected account: who it is and whether it must be connected again."""

    target: PublishTarget
    account_id: str
    account_name: str
    status: ConnectionStatus
    error: str | None
    updated_at: datetime


# -- credits and image jobs (docs/ARCHITECTURE.md §7) -----------------------------------------------------


class CreditBalanceView(_View):
    """A workspace's spendable credits and what its images in flight hold."""

    workspace_id: str
    balance: int
    reserved: int


class CreditUsageView(_View):
    """What one task's paid images cost: credits consumed (images made) and still reserved (in flight)."""

    task_id: str
    consumed: int
    reserved: int


class LedgerEntryView(_View):
    """One credit movement: ``amount`` credits (always positive) in the direction of ``kind``."""

    id: int
    kind: LedgerKind
    amount: int
    balance_after: int
    task_id: str | None
    generation: int | None
    image_index: int | None
    user_id: str | None
    note: str
    created_at: datetime


class EstimateView(_View):
    """What a generation would make and cost (seed 003 §6)."""

    mode: str
    media_mode: str
    styles: int
    roles: int
    images: int
    price_per_image: int
    credits: int
    summary: str
    plan: list[dict[str, str]] = Field(default_factory=list)


class PaidImageView(_View):
    """One image of a paid generation."""

    index: int
    style: str
    role: str
    prompt: str | None
    status: ImageStatus
    charge: Charge
    output_key: str | None
    url: str | None = None
    error: str | None
    attempts: int
    started_at: datetime | None
    finished_at: datetime | None


class ImageJobView(_View):
    """A paid generation's images and credits; ``id`` is the render job id ``{videoId}-g{generation}``."""

    id: str
    video_id: str
    generation: int
    status: ImageJobStatus
    source: str
    price_per_image: int
    total_images: int
    completed_images: int
    failed_images: int
    canceled_images: int
    credits_reserved: int
    credits_consumed: int
    credits_refunded: int
    stop_requested: bool
    tasks: list[PaidImageView]
    """Its images (``tasks``: seed 003's wire name, like the table ``image_tasks``)."""
    created_at: datetime
    updated_at: datetime


# -- reviews (docs/ARCHITECTURE.md §4, reviews) -----------------------------------------------------------


class ReviewRecordView(_View):
    """One review of a generation and its decision."""

    kind: ReviewKind
    generation: int
    status: ReviewStatus
    requested_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    decided_by_name: str | None = None
    """The username of ``decided_by`` (None for a user that no longer exists)."""


class EditView(_View):
    """One storyboard edit."""

    id: int
    scene_index: int
    kind: EditKind
    status: EditStatus
    before: str | None
    after: str | None
    image_index: int | None
    error: str | None
    user_id: str
    created_at: datetime
    finished_at: datetime | None


class ReviewStateView(_View):
    """A task's reviews: the one it waits for (``waiting``, None if none) and the current generation's
    records and edits, oldest first."""

    task_id: str
    title: str
    status: TaskStatus
    generation: int
    waiting: ReviewKind | None
    reviews: list[ReviewRecordView]
    edits: list[EditView]


class WaitingReviewView(_View):
    """A task waiting for a review (the automation tabs' review column)."""

    task_id: str
    title: str
    kind: ReviewKind
    requested_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def actions(self) -> TaskActions:
        """The commands a task waiting for a review allows (docs/ARCHITECTURE.md §3, task actions)."""
        return task_actions(TaskStatus.REVIEW)


# -- music library and cloned voices ----------------------------------------------------------------------


class MusicTrackView(_View):
    """A library track as the API shows it."""

    id: str
    title: str
    moods: list[str]
    licence: str
    mime: str
    size: int
    duration_s: float
    storage_key: str
    created_at: datetime
    updated_at: datetime


class ClonedVoiceView(_View):
    """A cloned voice; ``voice`` is the value a task or channel setting names it by."""

    id: str
    name: str
    provider_voice_id: str
    consent_by: str
    consent_statement: str
    consent_at: datetime
    user_id: str
    created_at: datetime

    @property
    def voice(self) -> str:
        """The ``voice`` setting naming this voice."""
        return f"elevenlabs:{self.provider_voice_id}"


# -- video performance (docs/ARCHITECTURE.md §13) ---------------------------------------------------------


class PerformanceDayView(_View):
    """One day of a publication's metrics."""

    day: date
    views: int
    estimated_minutes_watched: float | None
    average_view_duration_s: float | None
    average_view_percentage: float | None
    likes: int | None
    comments: int | None
    shares: int | None
    subscribers_gained: int | None
    reach: int | None
    saved: int | None


class PerformanceTotalsView(_View):
    """Sums over days (``average_view_percentage`` weighted by each day's views)."""

    views: int = 0
    estimated_minutes_watched: float = 0.0
    average_view_percentage: float | None = None
    likes: int = 0
    comments: int = 0
    shares: int = 0
    subscribers_gained: int = 0
    reach: int | None = None
    """Instagram's accounts reached (None when no day reports it)."""
    saved: int | None = None


class PublicationPerformanceView(_View):
    """One target's series of a video, with its refresh state."""

    target: str
    remote_id: str
    fetched_at: datetime | None
    deferred_until: datetime | None
    error: str | None
    days: list[PerformanceDayView]
    totals: PerformanceTotalsView


class ContentPerformanceView(_View):
    """A "my contents" item's performance on every target it was published to."""

    content_id: str
    task_id: str
    title: str
    published_at: datetime | None
    publications: list[PublicationPerformanceView]
    totals: PerformanceTotalsView


class VideoPerformanceView(_View):
    """A video in the channel summary: totals over the window and its views per day (the sparkline)."""

    content_id: str
    task_id: str
    title: str
    published_at: datetime | None
    views: int
    average_view_percentage: float | None
    daily_views: list[int] = Field(description="Views of each day of the window, oldest first.")


class DayViewsView(_View):
    """The channel's views on one day."""

    day: date
    views: int


class SettingGroupView(_View):
    """Videos sharing one value of one task setting: how many, and how they did."""

    setting: str
    value: str
    count: int
    views: int
    average_views: float
    average_view_percentage: float | None


class ChannelSummaryView(_View):
    """The owner's published videos over a window of days (optionally one channel setting's, optionally on
    one target only)."""

    since: date
    until: date
    target: str | None = Field(default=None, description="The one target summarized (None: every target).")
    views_per_day: list[DayViewsView]
    videos: list[VideoPerformanceView]
    top: list[VideoPerformanceView]
    bottom: list[VideoPerformanceView]
    groups: list[SettingGroupView]

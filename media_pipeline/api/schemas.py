"""Request and response bodies of the HTTP API (camelCase JSON).

Response models reuse the store's read models (``TaskView`` ...) with camelCase aliases, so a field added to
a view appears in the API without being listed twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    field_validator,
)
from pydantic.alias_generators import to_camel

from media_pipeline.domain.models import CHANNEL_ID_PATTERN, TASK_ID_PATTERN, Privacy
from media_pipeline.domain.voice import VOICE_PATTERN, parse_voice
from media_pipeline.settings import PlanLimits
from media_pipeline.store import (
    ChannelView,
    DeletedContentView,
    LogView,
    PlanView,
    QueueView,
    RenderAssetView,
    RenderJobView,
    Repeat,
    RepeatConfig,
    RerunResult,
    ScheduleView,
    StageStateView,
    StageTab,
    StageTabs,
    StoppedProcess,
    StopResult,
    TabItem,
    TaskProgress,
    TaskStatus,
    TaskView,
    UserContentView,
)

_CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)
MAX_IDS = 1000
MAX_INT = 2**31 - 1
"""Largest value of an INTEGER column (PostgreSQL int4): bigger numbers are invalid input."""
T = TypeVar("T")

TaskId = Annotated[str, Field(pattern=TASK_ID_PATTERN, max_length=64, examples=["t3f9a0c1d2b4e"])]
IdList = Annotated[list[TaskId], Field(min_length=1, max_length=MAX_IDS)]
Version = Annotated[
    int | None,
    Field(ge=1, le=MAX_INT, description="Queue version the change is based on (or send it as If-Match)."),
]
Options = Annotated[
    dict[str, Any],
    Field(
        description="TaskSettings fields (camelCase, see the TaskSettings schema) plus title, description "
        "and product.",
        examples=[{"mediaMode": "local", "language": "en", "title": "My video"}],
    ),
]


class UtcTimes(BaseModel):
    """Times are sent in UTC (``...Z``) whatever offset they were given with."""

    @field_serializer("*", mode="wrap", when_used="json")
    def _utc(self, value: Any, handler: SerializerFunctionWrapHandler) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return handler(value)


class ApiModel(UtcTimes):
    """Base of the API's own bodies: camelCase JSON, unknown request fields rejected."""

    model_config = ConfigDict(**_CAMEL, extra="forbid")


# -- store views with camelCase aliases ----------------------------------------------------------------


class Task(UtcTimes, TaskView):
    """A task ("job" in the draft queue, "video" in /api/v1)."""

    model_config = _CAMEL


class Queue(UtcTimes, QueueView):
    """The draft queue; ``version`` guards every change (also sent as the ETag header)."""

    model_config = _CAMEL


class StageState(UtcTimes, StageStateView):
    """One stage of one generation."""

    model_config = _CAMEL


class Progress(UtcTimes, TaskProgress):
    """Overall progress with the current generation's stages."""

    model_config = _CAMEL
    stages: list[StageState]  # type: ignore[assignment]  # the wire subclass of the view's items


class Log(UtcTimes, LogView):
    """A task log entry."""

    model_config = _CAMEL


class Schedule(UtcTimes, ScheduleView):
    """A task schedule."""

    model_config = _CAMEL


class TabRow(UtcTimes, TabItem):
    """A task in a stage tab."""

    model_config = _CAMEL


class Tab(UtcTimes, StageTab):
    """Waiting and processing tasks of one stage."""

    model_config = _CAMEL
    waiting: list[TabRow] = Field(default_factory=list)  # type: ignore[assignment]  # the wire subclass of the view's items
    processing: list[TabRow] = Field(default_factory=list)  # type: ignore[assignment]  # the wire subclass of the view's items


class Tabs(UtcTimes, StageTabs):
    """The automation tabs: scheduled, per stage (in order), failed and done."""

    model_config = _CAMEL
    scheduled: list[TabRow]  # type: ignore[assignment]  # the wire subclass of the view's items
    stages: dict[str, Tab]  # type: ignore[assignment]  # the wire subclass of the view's items
    failed: list[TabRow]  # type: ignore[assignment]  # the wire subclass of the view's items
    done: list[TabRow]  # type: ignore[assignment]  # the wire subclass of the view's items


class StoppedProcessOut(StoppedProcess):
    """A process of a stopped run (worker or child process group)."""

    model_config = _CAMEL


class Stopped(UtcTimes, StopResult):
    """Result of a stop: what was stopped (runs, stages, schedules, processes)."""

    model_config = _CAMEL
    task: Task
    ended_processes: list[StoppedProcessOut] = []  # type: ignore[assignment]  # the wire subclass of the view's items


class Rerun(UtcTimes, RerunResult):
    """Result of a re-run: the task and whether this call started its new generation."""

    model_config = _CAMEL
    task: Task


# -- draft queue -----------------------------------------------------------------------------------------


class QueueJobs(ApiModel):
    """Drafts (or other tasks) of the queue with the version to base the next change on."""

    version: int
    jobs: list[Task]


class AddedJobs(QueueJobs):
    """``jobs`` in request order (an asset's existing draft is returned, never doubled)."""

    created_ids: list[str]


class DeletedJobs(ApiModel):
    """Result of a bulk delete."""

    version: int
    deleted_ids: list[str]


class QueueRun(ApiModel):
    """Tasks queued now and tasks waiting for their scheduled time."""

    version: int
    batch_id: str | None
    queued: list[Task]
    scheduled: list[Task]


class AddJobsBody(ApiModel):
    """Add one draft per asset (queue defaults merged with ``options``)."""

    asset_ids: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=MAX_IDS)]
    options: Options | None = None
    version: Version = None


class BulkPatchBody(ApiModel):
    """Merge ``optionsPartial`` into each listed draft; optionally into the queue defaults too."""

    job_ids: IdList
    options_partial: Options
    save_as_default: bool = False
    version: Version = None


class ReorderBody(ApiModel):
    """Every draft of the queue exactly once, in the new order."""

    ordered_job_ids: Annotated[list[TaskId], Field(max_length=MAX_IDS)]
    version: Version = None


class BulkDeleteBody(ApiModel):
    """Drafts to delete."""

    job_ids: IdList
    version: Version = None


class RunBody(ApiModel):
    """Queue all drafts, or only ``jobIds``."""

    job_ids: IdList | None = None
    version: Version = None


class QueuePatchBody(ApiModel):
    """Rename the queue and/or replace its default options."""

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    default_options: Options | None = None
    version: Version = None


# -- videos and render jobs ------------------------------------------------------------------------------


class Page(ApiModel, Generic[T]):
    """A page of items with the total count."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Items(ApiModel, Generic[T]):
    """A list of items."""

    items: list[T]


class VideoFile(UtcTimes, RenderAssetView):
    """A file or published item of a generation: ``kind`` script, image, video, thumbnail, subtitles or
    publish; ``url`` downloads the file (``GET /api/v1/videos/{videoId}/files/{id}``, null without one);
    ``externalUrl`` is where it was published."""

    model_config = _CAMEL


class VideoFiles(ApiModel):
    """The files of the video's current generation, oldest first, and whether its script waits for
    approval."""

    video_id: str
    generation: int | None = Field(description="The generation listed; null before the video first ran.")
    script_awaiting_approval: bool = Field(
        description="The written script waits for ``script/approve`` or ``script/reject`` (tasks with "
        "requiresApproval)."
    )
    files: list[VideoFile]

    @classmethod
    def of(cls, video_id: str, job: RenderJobView | None) -> VideoFiles:
        """The answer for the current generation's render job (None before the video first ran); a job in
        a storyboard or final review awaits that review, not the script's."""
        if job is None:
            return cls(video_id=video_id, generation=None, script_awaiting_approval=False, files=[])
        return cls(
            video_id=video_id,
            generation=job.generation,
            script_awaiting_approval=job.awaiting_approval and job.status is not TaskStatus.REVIEW,
            files=[VideoFile.model_validate(asset) for asset in job.assets],
        )


class PlaybackInfo(ApiModel):
    """Where to play a video: an HLS master playlist URL (signed; every URI inside is signed too)."""

    master_url: str
    expires_at: int
    generation: int


class StoredFile(ApiModel):
    """An uploaded image stored for the task (sanitized name, MIME type sniffed from its bytes)."""

    name: str
    mime: str
    size: int


class Channel(UtcTimes, ChannelView):
    """A YouTube channel setting; ``authorized`` once it has a token (connected in the console or with
    ``youtube-auth --channel``); ``isDefault`` for the workspace's default channel."""

    model_config = _CAMEL


class UserContent(UtcTimes, UserContentView):
    """A "my contents" item."""

    model_config = _CAMEL


class DeletedContent(DeletedContentView):
    """What deleting a "my contents" item removed (a YouTube upload stays on YouTube)."""

    model_config = _CAMEL


class PlanLimitsOut(UtcTimes, PlanLimits):
    """Limits of a plan."""

    model_config = _CAMEL


class Plan(UtcTimes, PlanView):
    """A workspace's plan (set by operators with ``media-pipeline plan``)."""

    model_config = _CAMEL
    limits: PlanLimitsOut


class ChannelBody(ApiModel):
    """A YouTube channel setting to create; authorize it with ``media-pipeline youtube-auth --channel``."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    youtube_channel_id: Annotated[str, Field(max_length=64)] | None = None


class ChannelDefaultsPatch(ApiModel):
    """Task defaults of a channel: ``madeForKids`` (sent as YouTube's selfDeclaredMadeForKids when a task
    does not say) and ``voice`` (e.g. a cloned ``elevenlabs:<voiceId>``); null clears one."""

    made_for_kids: bool | None = None
    voice: Annotated[str, Field(pattern=VOICE_PATTERN, max_length=80)] | None = None

    @field_validator("voice")
    @classmethod
    def _known_provider(cls, value: str | None) -> str | None:
        parse_voice(value)
        return value


# -- automation ------------------------------------------------------------------------------------------


class TaskRef(ApiModel):
    """Names one task."""

    task_id: TaskId


class ScheduleFields(ApiModel):
    """Schedule fields shared by create and update (validated again by the schedule service)."""

    repeat: Repeat | None = None
    repeat_config: RepeatConfig | None = None
    time_zone: Annotated[str, Field(max_length=64, examples=["Asia/Seoul"])] | None = None
    privacy: Privacy | None = None
    publish_at: AwareDatetime | None = None
    channel_setting_id: Annotated[str, Field(pattern=CHANNEL_ID_PATTERN, max_length=64)] | None = None


class ScheduleCreateBody(ScheduleFields):
    """Schedule a task at ``scheduledTime`` (then repeat in ``timeZone``)."""

    task_id: TaskId
    scheduled_time: AwareDatetime


class ScheduleUpdateBody(ScheduleFields):
    """Fields to change; ``isActive: false`` turns the schedule off."""

    scheduled_time: AwareDatetime | None = None
    is_active: bool | None = None


# -- operations ------------------------------------------------------------------------------------------


class Check(ApiModel):
    """Result of one health check."""

    status: Literal["ok", "not_configured", "error"]
    latency_ms: float | None = None
    detail: str | None = None
    storage: str | None = None
    revision: str | None = Field(default=None, description="App DB schema (migration) revision.")


class Health(ApiModel):
    """``ok``: all good; ``degraded``: Dagster or the task storage unreachable; ``error``: the app DB is
    down (503). ``checks``: ``db``, ``dagster``, ``storage``."""

    status: Literal["ok", "degraded", "error"]
    role: Literal["api"] = Field(description="Which process answers (seed 004 §8).")
    version: str = Field(description="Installed media_pipeline version.")
    uptime_s: float = Field(description="Seconds since this API process started.")
    checks: dict[str, Check]

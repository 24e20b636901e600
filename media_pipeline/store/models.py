"""ORM models of the app database (the truth for tasks, queues, schedules and logs; docs/ARCHITECTURE.md
§1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from media_pipeline.domain.models import VideoType
from media_pipeline.domain.stages import STAGES
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus, TaskStatus, UserContentStatus
from media_pipeline.store.clock import utcnow
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel, Repeat, UserContentType
from media_pipeline.store.types import JSONType, StampDateTime, StrEnumType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

DRAFT_ONLY = text("status = 'draft'")
PROCESSING_ONLY = text("status = 'processing'")
ACTIVE_ONLY = text(f"status IN ({', '.join(repr(status.value) for status in ACTIVE_STATUSES)})")
"""Tasks with a generation in flight (the partial indexes of the queue-order scans)."""
QUEUE_ORDER_COLUMNS = ("queued_at", "queue_position", "id")


def one_of(column: str, values: type[StrEnum] | tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """CHECK constraint ``column IN (...)`` for a closed vocabulary."""
    allowed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


def partial_index(name: str, *columns: str, where: Any, unique: bool = False) -> Index:
    """An index restricted by ``where`` on both SQLite and PostgreSQL."""
    return Index(name, *columns, unique=unique, sqlite_where=where, postgresql_where=where)


class Base(DeclarativeBase):
    """Declarative base: UTC datetimes and JSON columns by annotation."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


def table_of(model: type[Base]) -> Table:
    """The Core ``Table`` of a mapped class (typed ``FromClause`` by SQLAlchemy; ours are all tables)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Timestamps:
    """``created_at``/``updated_at`` columns (services also set them from their clock, and an assigned
    ``updated_at`` is always written: ``StampDateTime``)."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(StampDateTime(), default=utcnow, onupdate=utcnow)


class Queue(Timestamps, Base):
    """A user's draft queue; ``version`` guards every mutation (optimistic concurrency)."""

    __tablename__ = "queues"
    __table_args__ = (
        partial_index(
            "uq_queues_default_owner", "user_id", "workspace_id", where=text("is_default"), unique=True
        ),
        Index("ix_queues_owner", "user_id", "workspace_id"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    default_options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Task(Timestamps, Base):
    """One video to produce; each Run starts a new ``generation`` with its own stage states."""

    __tablename__ = "tasks"
    __table_args__ = (
        one_of("status", TaskStatus),
        one_of("type", VideoType),
        CheckConstraint("generation >= 0", name="generation_non_negative"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        partial_index("uq_tasks_draft_asset", "queue_id", "asset_id", where=DRAFT_ONLY, unique=True),
        Index("ix_tasks_queue_status_position", "queue_id", "status", "queue_position"),
        Index("ix_tasks_owner_status_updated", "user_id", "workspace_id", "status", "updated_at"),
        partial_index("ix_tasks_draft_expires_at", "draft_expires_at", where=DRAFT_ONLY),
        Index("ix_tasks_batch_id", "batch_id"),
        partial_index("ix_tasks_active_queue_order", *QUEUE_ORDER_COLUMNS, where=ACTIVE_ONLY),
        partial_index(
            "ix_tasks_owner_active_queue_order",
            "user_id",
            "workspace_id",
            *QUEUE_ORDER_COLUMNS,
            where=ACTIVE_ONLY,
        ),
        partial_index(
            "ix_tasks_workspace_active_queue_order", "workspace_id", *QUEUE_ORDER_COLUMNS, where=ACTIVE_ONLY
        ),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[VideoType] = mapped_column(StrEnumType(VideoType))
    product: Mapped[dict[str, Any] | None]
    settings: Mapped[dict[str, Any]]
    status: Mapped[TaskStatus] = mapped_column(StrEnumType(TaskStatus), default=TaskStatus.DRAFT)
    queue_position: Mapped[int | None]
    batch_id: Mapped[str | None] = mapped_column(String(64))
    asset_id: Mapped[str | None] = mapped_column(String(200))
    draft_expires_at: Mapped[datetime | None]
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_at: Mapped[datetime | None]
    generation: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str | None] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(String(500))
    last_error: Mapped[str | None] = mapped_column(Text)
    youtube_url: Mapped[str | None] = mapped_column(String(500))
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    script_approved_at: Mapped[datetime | None]
    script_rejected_at: Mapped[datetime | None]
    content_id: Mapped[str | None] = mapped_column(String(64))
    """The task's latest "my contents" item (``user_contents.id``)."""
    queued_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TaskStageState(Timestamps, Base):
    """State of one stage of one generation of a task (the per-stage queues of the UI tabs).

    ``attempt`` numbers the runs of this stage (0 = first, part of the run key); ``auto_retries`` counts
    automatic retries since the last start or manual retry, at most ``max_attempts``.
    """

    __tablename__ = "task_stage_states"
    __table_args__ = (
        UniqueConstraint("task_id", "generation", "stage"),
        one_of("stage", STAGES),
        one_of("status", StageStatus),
        partial_index("uq_task_stage_states_processing_task", "task_id", where=PROCESSING_ONLY, unique=True),
        Index("ix_task_stage_states_stage_status", "stage", "status"),
        Index("ix_task_stage_states_run_id", "run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[StageStatus] = mapped_column(StrEnumType(StageStatus), default=StageStatus.WAITING)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    auto_retries: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    next_retry_at: Mapped[datetime | None]
    run_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class TaskSchedule(Timestamps, Base):
    """When a task runs (``scheduled_time``) and how it repeats; ``next_run_at`` is NULL while a
    generation it started is in flight (advanced or deactivated when that generation ends)."""

    __tablename__ = "task_schedules"
    __table_args__ = (
        one_of("repeat", Repeat),
        partial_index("uq_task_schedules_active_task", "task_id", where=text("is_active"), unique=True),
        Index("ix_task_schedules_due", "is_active", "next_run_at"),
        Index("ix_task_schedules_task_id", "task_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    scheduled_time: Mapped[datetime]
    repeat: Mapped[Repeat] = mapped_column(StrEnumType(Repeat), default=Repeat.ONCE)
    repeat_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    next_run_at: Mapped[datetime | None]
    last_run_at: Mapped[datetime | None]
    last_generation: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    privacy: Mapped[str | None] = mapped_column(String(16))
    publish_at: Mapped[datetime | None]
    channel_setting_id: Mapped[str | None] = mapped_column(String(64))


class ChannelSetting(Timestamps, Base):
    """A YouTube channel of a workspace; its OAuth token lives in ``Settings.channel_token_file(id)``
    (encrypted when connected from the console); ``is_default`` for tasks that name no channel."""

    __tablename__ = "channel_settings"
    __table_args__ = (Index("ix_channel_settings_workspace_id", "workspace_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    youtube_channel_id: Mapped[str | None] = mapped_column(String(64))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    brand_kit: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    """The channel's brand kit (``domain.brand.BrandKit`` as JSON; None: no kit)."""
    made_for_kids: Mapped[bool | None] = mapped_column(Boolean)
    """The channel's ``selfDeclaredMadeForKids`` for tasks that do not set ``madeForKids`` (§9)."""
    voice: Mapped[str | None] = mapped_column(String(80))
    """The narration voice of tasks that set none (e.g. a cloned ``elevenlabs:<voice id>``; §12)."""
    # Where its videos go (``PublishTarget`` values); None: YouTube only (docs/ARCHITECTURE.md §10).
    publish_targets: Mapped[list[str] | None] = mapped_column(JSONType)


class TaskLog(Base):
    """One log line of a task: user actions and stage events."""

    __tablename__ = "task_logs"
    __table_args__ = (
        one_of("level", LogLevel),
        one_of("action_type", LogAction),
        Index("ix_task_logs_task_id_id", "task_id", "id"),
        Index("ix_task_logs_level_id", "level", "id"),
        Index("ix_task_logs_action_type_id", "action_type", "id"),
        Index("ix_task_logs_stage_id", "stage", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int | None]
    stage: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[LogLevel] = mapped_column(StrEnumType(LogLevel), default=LogLevel.INFO)
    action_type: Mapped[LogAction] = mapped_column(StrEnumType(LogAction))
    message: Mapped[str] = mapped_column(Text, default="")
    pid: Mapped[int | None]
    process_name: Mapped[str | None] = mapped_column(String(100))
    run_id: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Content(Base):
    """A produced file (script, video, thumbnail, ...) or published item of one generation."""

    __tablename__ = "contents"
    __table_args__ = (
        one_of("kind", ContentKind),
        Index("ix_contents_task_id_generation", "task_id", "generation"),
        Index("ix_contents_kind_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[ContentKind] = mapped_column(StrEnumType(ContentKind))
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(1000))
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunHeartbeat(Base):
    """The latest heartbeat of one stage run's worker (seed 004 §4): where it runs and which process
    groups it started, so a lost worker is detected and its leftovers ended by process group."""

    __tablename__ = "run_heartbeats"
    __table_args__ = (Index("ix_run_heartbeats_task_id", "task_id"),)

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    pid_start: Mapped[int] = mapped_column(BigInteger)
    children: Mapped[list[list[int]]] = mapped_column(JSONType, default=list)
    # Other children of the worker (Dagster's compute-log ``tail -F`` and ``watch_orphans``): ended by pid.
    helpers: Mapped[list[list[int]] | None] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # Progress-based liveness (docs/ARCHITECTURE.md, liveness): the worker's progress mark and when it
    # last moved; a run whose mark stands still past its stage's stall limit is rescued.
    progress_moves: Mapped[int | None] = mapped_column(BigInteger)
    progress_note: Mapped[str | None] = mapped_column(String(200))
    progressed_at: Mapped[datetime | None]


class UserContent(Timestamps, Base):
    """A "my contents" item (seed 001 §13): one per generation, created when its script is written,
    becoming a video, then published (with the YouTube URL) or failed."""

    __tablename__ = "user_contents"
    __table_args__ = (
        one_of("type", UserContentType),
        one_of("status", UserContentStatus),
        UniqueConstraint("task_id", "generation"),
        Index("ix_user_contents_owner_updated", "user_id", "workspace_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    type: Mapped[UserContentType] = mapped_column(StrEnumType(UserContentType))
    title: Mapped[str] = mapped_column(String(100))
    status: Mapped[UserContentStatus] = mapped_column(StrEnumType(UserContentStatus))
    youtube_url: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]


class LibraryItem(Timestamps, Base):
    """A library item (seed 000's asset): a video the creator wants made, with its product fields and
    source URLs; its uploaded images and clips live in the task storage under ``library/<id>/``
    (docs/ARCHITECTURE.md §3). Tasks made from it carry its id as ``tasks.asset_id``."""

    __tablename__ = "library_items"
    __table_args__ = (
        one_of("type", VideoType),
        Index("ix_library_items_owner_updated", "user_id", "workspace_id", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    type: Mapped[VideoType] = mapped_column(StrEnumType(VideoType))
    product: Mapped[dict[str, Any] | None]
    source_urls: Mapped[list[str]] = mapped_column(JSONType, default=list)
    settings: Mapped[dict[str, Any] | None]
    """Task settings a draft made from the item starts with ("more like this", docs/ARCHITECTURE.md §13)."""


class MusicTrack(Timestamps, Base):
    """A licensed music track of a workspace's music library (docs/ARCHITECTURE.md §12); the audio lives
    in the task storage under ``storage_key`` (``music/<workspace>/<id>.<ext>``)."""

    __tablename__ = "music_tracks"
    __table_args__ = (Index("ix_music_tracks_workspace_id", "workspace_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(100))
    moods: Mapped[list[str]] = mapped_column(JSONType, default=list)
    licence: Mapped[str] = mapped_column(String(500))
    storage_key: Mapped[str] = mapped_column(String(300))
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[float] = mapped_column(Float)


class ClonedVoice(Timestamps, Base):
    """A voice cloned at the ElevenLabs-compatible provider from a sample, with the speaker's recorded
    consent: who gave it, when, and the statement they agreed to (docs/ARCHITECTURE.md §12)."""

    __tablename__ = "cloned_voices"
    __table_args__ = (Index("ix_cloned_voices_workspace_id", "workspace_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64))
    workspace_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    provider_voice_id: Mapped[str] = mapped_column(String(100))
    consent_by: Mapped[str] = mapped_column(String(200))
    consent_statement: Mapped[str] = mapped_column(Text)
    consent_at: Mapped[datetime]


class WorkspaceSetting(Timestamps, Base):
    """Per-workspace settings: the plan whose limits apply (``Settings.plans``)."""

    __tablename__ = "workspace_settings"

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    plan: Mapped[str] = mapped_column(String(32))


class User(Timestamps, Base):
    """A console user: signs in with ``username`` and a password (argon2 hash only), works in a workspace."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    disabled_at: Mapped[datetime | None]


class QueueRunRequest(Base):
    """The result of one Run of a queue, kept 24 h under its request key (an ``Idempotency-Key`` or the
    queue version it was based on), so a repeated Run answers the first result (docs/ARCHITECTURE.md §3,
    invariant 2)."""

    __tablename__ = "queue_run_requests"
    __table_args__ = (
        UniqueConstraint("queue_id", "request_key"),
        Index("ix_queue_run_requests_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    queue_id: Mapped[str] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(255))
    result: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class RevokedToken(Base):
    """A signed-out bearer token (its ``jti``), refused until it would have expired anyway."""

    __tablename__ = "revoked_tokens"
    __table_args__ = (Index("ix_revoked_tokens_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime]


class SignInLimit(Base):
    """Failed sign-ins of one ``user:<name>`` or ``address:<ip>`` key in the window that began at its first
    failure (docs/ARCHITECTURE.md §11); shared by every API process on the app DB."""

    __tablename__ = "sign_in_limits"
    __table_args__ = (Index("ix_sign_in_limits_window_started_at", "window_started_at"),)

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    window_started_at: Mapped[datetime]
    failures: Mapped[int] = mapped_column(Integer)

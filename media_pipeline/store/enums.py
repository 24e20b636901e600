"""Statuses and other closed vocabularies of the app database (the stages are ``domain.stages``)."""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """Lifecycle of a task: draft -> queued -> running -> succeeded | failed | canceled (docs/ARCHITECTURE.md
    §3); a running task may wait in ``review`` for a human (no run holds a stage while it waits)."""

    DRAFT = "draft"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    SCHEDULED = "scheduled"
    REVIEW = "review"


ACTIVE_STATUSES = (TaskStatus.QUEUED, TaskStatus.RUNNING)
"""A task with one of these statuses has a generation in flight."""

OPEN_STATUSES = (*ACTIVE_STATUSES, TaskStatus.REVIEW)
"""A generation in flight or waiting for a human review (its render job is not finished)."""

TERMINAL_STATUSES = (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELED)
"""Statuses a generation ends in."""


class StageStatus(StrEnum):
    """State of one stage of one generation of a task."""

    WAITING = "waiting"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELED = "canceled"


OPEN_STAGE_STATUSES = (StageStatus.WAITING, StageStatus.PROCESSING)
"""Stage states that may still change through work (not yet ended)."""


class ScriptReview(StrEnum):
    """Review status of a video's script: only an approved script renders (seed 002 §9). A task that does
    not require approval has its scripts approved by policy."""

    DRAFT = "draft"
    APPROVED = "approved"
    REJECTED = "rejected"


class LogAction(StrEnum):
    """``task_logs.action_type``: what happened."""

    QUEUE = "queue"
    START = "start"
    PROGRESS = "progress"
    COMPLETE = "complete"
    FAIL = "fail"
    RETRY = "retry"
    STOP = "stop"
    SKIP = "skip"
    APPROVE = "approve"
    SCHEDULE = "schedule"


class LogLevel(StrEnum):
    """Severity of a task log entry; ``warn`` (seed 001's spelling) reads as ``warning``."""

    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @classmethod
    def _missing_(cls, value: object) -> LogLevel | None:
        return cls.WARNING if value == "warn" else None


class Repeat(StrEnum):
    """How a schedule repeats."""

    ONCE = "once"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class ContentKind(StrEnum):
    """Kind of a produced file or published item recorded in ``contents``."""

    SCRIPT = "script"
    IMAGE = "image"
    AUDIO = "audio"
    SUBTITLES = "subtitles"
    VIDEO = "video"
    THUMBNAIL = "thumbnail"
    PUBLISH = "publish"


class UserContentType(StrEnum):
    """What a "my contents" item holds so far (seed 001 §13): a script, then a video."""

    SCRIPT = "script"
    VIDEO = "video"


class UserContentStatus(StrEnum):
    """A "my contents" item: draft until published; failed if its generation failed or was stopped."""

    DRAFT = "draft"
    PUBLISHED = "published"
    FAILED = "failed"

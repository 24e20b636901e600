"""Closed vocabularies of the app database other than statuses (those are ``domain.statuses``, the stages
``domain.stages``): log actions and levels, schedule repeats, content kinds, "my contents" item types."""

from __future__ import annotations

from enum import StrEnum


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

"""Every status enum of the app, in one module (README "Vocabulary"; docs/ARCHITECTURE.md §1): the lifecycle
of a task and of its stages, reviews and storyboard edits, the image job and its images, publications,
publish connections and "my contents" items. Each stored status is a DB column checked by ``one_of``; the
seed-002 render-job wire status (``api.render_contract.RenderJobWireStatus``) is a translation and stays in
the API."""

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


class ReviewStatus(StrEnum):
    """A human review of a generation waits (pending) until a human approves or rejects it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class EditStatus(StrEnum):
    """A storyboard edit: a regeneration is pending while its paid image is made; an edit that took effect
    is done; a failed or expired regeneration was refunded."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class ImageJobStatus(StrEnum):
    """Status of an image job (the paid images of one generation), derived from its images and its task:
    PENDING (nothing made yet), PROCESSING, COMPLETED, FAILED, CANCELED."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class ImageStatus(StrEnum):
    """One image of a paid generation: PENDING -> PROCESSING -> COMPLETED | FAILED; CANCELED when a stop
    refunded it before it was made."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class PublicationStatus(StrEnum):
    """``pending`` (nothing sent yet) -> ``uploading`` -> ``processing`` (the platform has it) ->
    ``published``; or ``failed`` (the platform's reason, never retried) or ``deferred`` (quota or rate
    limit: tried again after ``deferred_until``)."""

    PENDING = "pending"
    UPLOADING = "uploading"
    PROCESSING = "processing"
    PUBLISHED = "published"
    FAILED = "failed"
    DEFERRED = "deferred"


class ConnectionStatus(StrEnum):
    """A publish connection: ``connected``; ``reconnect`` once the platform refused its token (the owner
    must connect again)."""

    CONNECTED = "connected"
    RECONNECT = "reconnect"


class UserContentStatus(StrEnum):
    """A "my contents" item: draft until published; failed if its generation failed or was stopped."""

    DRAFT = "draft"
    PUBLISHED = "published"
    FAILED = "failed"

"""One publication: a task generation's video on one publish target (docs/ARCHITECTURE.md §10,
publications). Shared by the store (which keeps the rows) and the providers (which move them)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from media_pipeline.domain.statuses import PublicationStatus


class PublishTarget(StrEnum):
    """Where a video can be published; a channel setting lists the ones it publishes to."""

    YOUTUBE = "youtube"
    LOCAL = "local"
    TIKTOK = "tiktok"
    INSTAGRAM = "instagram"


SOCIAL_TARGETS = (PublishTarget.TIKTOK, PublishTarget.INSTAGRAM)
"""Targets connected per channel setting with their own OAuth account (not the YouTube channel)."""


FINAL_STATUSES = frozenset({PublicationStatus.PUBLISHED, PublicationStatus.FAILED})
"""A publication in one of these is never sent again."""


class Publication(BaseModel):
    """What is known about one (task, generation, target); saved before and after every remote call.

    ``remote_id`` is the platform's handle of the upload in progress (TikTok ``publish_id``, Instagram
    container id, YouTube video id); ``post_id`` the published post. ``awaiting_reconnect``: the channel
    setting whose account must be connected again to resume a publication its refused token failed."""

    task_id: str
    generation: int
    target: PublishTarget
    status: PublicationStatus = PublicationStatus.PENDING
    remote_id: str | None = None
    post_id: str | None = None
    url: str | None = None
    error: str | None = None
    deferred_until: datetime | None = None
    awaiting_reconnect: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def final(self) -> bool:
        """Published or failed: nothing more is sent for it."""
        return self.status in FINAL_STATUSES

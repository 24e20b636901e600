"""How a published video did: one day of a publication's metrics as a platform reports them
(docs/ARCHITECTURE.md §13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

METRIC_FIELDS = (
    "views",
    "estimated_minutes_watched",
    "average_view_duration_s",
    "average_view_percentage",
    "likes",
    "comments",
    "shares",
    "subscribers_gained",
    "reach",
    "saved",
)
"""The stored metrics of a day, in the order of :class:`DailyMetrics`."""


@dataclass(frozen=True)
class Publication:
    """One published video on one target (``youtube``, ...): the generation's content item, its task and
    workspace, the platform's id of the video, when it was published and the channel setting it went to."""

    content_id: str
    task_id: str
    workspace_id: str
    target: str
    remote_id: str
    published_at: datetime
    channel_setting_id: str | None = None


@dataclass(frozen=True)
class DailyMetrics:
    """One day of one publication's metrics (``None``: the platform does not report that metric)."""

    day: date
    views: int = 0
    estimated_minutes_watched: float | None = None
    average_view_duration_s: float | None = None
    average_view_percentage: float | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    subscribers_gained: int | None = None
    reach: int | None = None
    """Accounts that saw it (Instagram's ``reach``; as a lifetime counter, new accounts that day)."""
    saved: int | None = None
    """Accounts that saved it (Instagram's ``saved``)."""


def length_bucket(characters: int) -> str:
    """The bucket of a first narration line's length the channel summary groups by."""
    if characters <= 20:
        return "short"
    if characters <= 50:
        return "medium"
    return "long"

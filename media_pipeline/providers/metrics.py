"""Where the performance of a publication comes from: one metrics source per publish target
(docs/ARCHITECTURE.md §13). A new target plugs in with a class implementing :class:`MetricsSource` and an
entry in :data:`METRICS_SOURCES`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Protocol

from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.settings import Settings


class MetricsSource(Protocol):
    """Reads a platform's daily metrics of one publication.

    Raises DeferredError when the platform's quota or rate limit says "later",
    ProviderNotConfiguredError when the channel must be connected again (``ReconnectRequired`` for a
    refused TikTok / Instagram token: its connection is marked ``reconnect``), TransientError for outages.
    """

    target: str
    cumulative: bool
    """True: ``daily`` answers one snapshot of lifetime counters (the store derives the day's values as
    differences, docs/ARCHITECTURE.md §13); False: the platform's own daily values."""

    def daily(self, publication: Publication, start: date, end: date) -> list[DailyMetrics]:
        """One entry per day from ``start`` to ``end`` (inclusive) that the platform reports."""
        ...


def _youtube(settings: Settings, channel_setting_id: str | None) -> MetricsSource:
    from media_pipeline.providers.youtube_analytics import YouTubeAnalyticsSource

    return YouTubeAnalyticsSource(settings, channel_setting_id)


def _tiktok(settings: Settings, channel_setting_id: str | None) -> MetricsSource:
    from media_pipeline.providers.tiktok_metrics import TikTokMetricsSource

    return TikTokMetricsSource(settings, channel_setting_id)


def _instagram(settings: Settings, channel_setting_id: str | None) -> MetricsSource:
    from media_pipeline.providers.instagram_metrics import InstagramMetricsSource

    return InstagramMetricsSource(settings, channel_setting_id)


METRICS_SOURCES: dict[str, Callable[[Settings, str | None], MetricsSource]] = {
    "youtube": _youtube,
    "tiktok": _tiktok,
    "instagram": _instagram,
}
"""The metrics source of each publish target, built for a channel setting (None: the server's token)."""


def build_metrics_source(target: str, settings: Settings, channel_setting_id: str | None) -> MetricsSource:
    """The metrics source of ``target`` for the channel setting the video was published to."""
    factory = METRICS_SOURCES.get(target)
    if factory is None:
        raise ProviderNotConfiguredError(f"no metrics source for publish target {target!r}")
    return factory(settings, channel_setting_id)

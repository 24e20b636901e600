"""Instagram Graph API media insights as a metrics source (docs/ARCHITECTURE.md §13, lifetime sources):
``GET /{ig-media-id}/insights?metric=views,reach,likes,comments,shares,saved,ig_reels_avg_watch_time,
ig_reels_video_view_total_time`` answers the Reel's lifetime values, read as today's snapshot (watch times
come in milliseconds; ``reach`` and ``saved`` count accounts). Rate limits defer (``instagram.classify``); a
refused token asks for a reconnect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers.instagram import classify, instagram_token
from media_pipeline.providers.social_http import SocialHttp
from media_pipeline.providers.social_tokens import SocialTokenFile, channel_token_file
from media_pipeline.settings import Settings

METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saved",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
)
"""The insights asked for, by their Graph API names."""


def lifetime_values(answer: dict[str, Any]) -> dict[str, float]:
    """``{metric: value}`` of an insights answer (``data[].name`` and ``data[].values[0].value``)."""
    values = {}
    for entry in answer.get("data") or []:
        points = entry.get("values") or []
        if points and isinstance(points[0].get("value"), int | float):
            values[str(entry["name"])] = float(points[0]["value"])
    return values


def snapshot(day: date, values: dict[str, float]) -> DailyMetrics:
    """The lifetime values as the day's snapshot: watch times from milliseconds to minutes / seconds."""

    def count(name: str) -> int | None:
        return int(values[name]) if name in values else None

    total_ms, average_ms = values.get("ig_reels_video_view_total_time"), values.get("ig_reels_avg_watch_time")
    return DailyMetrics(
        day=day,
        views=int(values.get("views", 0)),
        estimated_minutes_watched=total_ms / 60000 if total_ms is not None else None,
        average_view_duration_s=average_ms / 1000 if average_ms is not None else None,
        likes=count("likes"),
        comments=count("comments"),
        shares=count("shares"),
        reach=count("reach"),
        saved=count("saved"),
    )


class InstagramMetricsSource:
    """The lifetime insights of a Reel of the channel setting's Instagram account."""

    target = "instagram"
    cumulative = True

    def __init__(
        self,
        settings: Settings,
        channel_setting_id: str | None,
        *,
        http: SocialHttp | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if channel_setting_id is None:
            raise ProviderNotConfiguredError(
                "Instagram metrics need the channel setting's Instagram connection"
            )
        self.tokens: SocialTokenFile = channel_token_file(settings, channel_setting_id, self.target)
        self.graph_url = settings.instagram_graph_url.rstrip("/")
        self.http = http or SocialHttp("Instagram", classify)
        self.clock = clock

    def daily(self, publication: Publication, start: date, end: date) -> list[DailyMetrics]:
        """Today's snapshot (``end``) of the Reel's lifetime insights; nothing while Instagram has none."""
        token = instagram_token(self.tokens, self.http, self.graph_url, self.clock())
        response = self.http.request(
            "GET",
            f"{self.graph_url}/{publication.remote_id}/insights",
            token=token.access_token,
            what="media insights",
            params={"metric": ",".join(METRICS)},
        )
        values = lifetime_values(response.json())
        return [snapshot(end, values)] if values else []

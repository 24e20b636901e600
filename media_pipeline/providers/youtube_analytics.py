"""YouTube Analytics API v2 (``youtubeAnalytics`` ``reports.query``) as a metrics source: the daily views,
watch time, retention, likes, comments, shares and subscribers of one video (docs/ARCHITECTURE.md §13).

The client is google-api-python-client built from the bundled discovery document, or with
``youtube_analytics_base_url`` set (tests: a loopback fake) from the discovery document that server
serves. Tokens are the channel's token file (encrypted at rest, refreshed by ``TokenStore``); quota and
rate-limit answers become DeferredError (``youtube_errors``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.errors import ProviderNotConfiguredError, TransientError
from media_pipeline.providers.token_cipher import token_cipher
from media_pipeline.providers.youtube_auth import TokenStore
from media_pipeline.providers.youtube_client import make_http
from media_pipeline.providers.youtube_errors import raise_unless_retryable
from media_pipeline.settings import Settings

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials

METRICS = (
    "views",
    "estimatedMinutesWatched",
    "averageViewDuration",
    "averageViewPercentage",
    "likes",
    "comments",
    "shares",
    "subscribersGained",
)
"""The metrics asked for, by their API names."""
FIELD_OF = {
    "views": "views",
    "estimatedMinutesWatched": "estimated_minutes_watched",
    "averageViewDuration": "average_view_duration_s",
    "averageViewPercentage": "average_view_percentage",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "subscribersGained": "subscribers_gained",
}
INTEGER_METRICS = frozenset({"views", "likes", "comments", "shares", "subscribersGained"})
DISCOVERY_PATH = "/$discovery/rest?version={apiVersion}"


def build_analytics(credentials: Credentials, api_base_url: str | None) -> Any:
    """A ``youtubeAnalytics`` v2 resource: bundled discovery document, or the one ``api_base_url`` serves."""
    import google_auth_httplib2
    from googleapiclient.discovery import build

    http = google_auth_httplib2.AuthorizedHttp(credentials, http=make_http(api_base_url))
    if api_base_url is None:
        return build("youtubeAnalytics", "v2", http=http, static_discovery=True, cache_discovery=False)
    return build(
        "youtubeAnalytics",
        "v2",
        http=http,
        discoveryServiceUrl=api_base_url.rstrip("/") + DISCOVERY_PATH,
        static_discovery=False,
        cache_discovery=False,
    )


def parse_report(response: dict[str, Any]) -> list[DailyMetrics]:
    """The rows of a ``day``-dimension report, read by their ``columnHeaders`` (any column order)."""
    names = [str(header["name"]) for header in response.get("columnHeaders", [])]
    days = []
    for row in response.get("rows") or []:
        cells = dict(zip(names, row, strict=True))
        values: dict[str, Any] = {
            FIELD_OF[name]: int(value) if name in INTEGER_METRICS else float(value)
            for name, value in cells.items()
            if name in FIELD_OF and value is not None
        }
        days.append(DailyMetrics(day=date.fromisoformat(str(cells["day"])), **values))
    return days


class YouTubeAnalyticsSource:
    """The daily metrics of a video on the channel whose token is used (``ids=channel==MINE``)."""

    target = "youtube"
    cumulative = False

    def __init__(
        self,
        settings: Settings,
        channel_setting_id: str | None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        token_file = (
            settings.channel_token_file(channel_setting_id)
            if channel_setting_id
            else settings.youtube_token_file
        )
        if token_file is None or not token_file.is_file():
            raise ProviderNotConfiguredError(
                f"YouTube channel {channel_setting_id or '(server token)'} is not connected; connect it "
                "again to read its analytics"
            )
        self.tokens = TokenStore(token_file, settings.youtube_token_uri, token_cipher(settings))
        self.api_base_url = settings.youtube_analytics_base_url
        self.clock = clock

    def daily(self, publication: Publication, start: date, end: date) -> list[DailyMetrics]:
        """``reports.query`` for the video by day; one call (a day report of one video is small)."""
        credentials = self.tokens.load()
        token_before = credentials.token
        request = (
            build_analytics(credentials, self.api_base_url)
            .reports()
            .query(
                ids="channel==MINE",
                startDate=start.isoformat(),
                endDate=end.isoformat(),
                metrics=",".join(METRICS),
                dimensions="day",
                filters=f"video=={publication.remote_id}",
                sort="day",
            )
        )
        try:
            response = request.execute()
        except Exception as exc:
            raise_unless_retryable(exc, what="YouTube Analytics reports.query", now=self.clock())
            raise TransientError(f"YouTube Analytics reports.query failed: {exc}") from exc
        finally:
            self.tokens.save_if_changed(credentials, token_before)
        return parse_report(response)

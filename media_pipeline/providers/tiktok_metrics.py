"""TikTok Display API as a metrics source (docs/ARCHITECTURE.md §13, lifetime sources):
``POST /v2/video/query/?fields=id,view_count,like_count,comment_count,share_count`` with
``filters.video_ids`` (scope ``video.list``) answers the video's lifetime counters, read as today's
snapshot. Rate limits defer (``tiktok.classify``); a refused token asks for a reconnect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.errors import ProviderNotConfiguredError, TransientError
from media_pipeline.providers.social_http import SocialHttp
from media_pipeline.providers.social_tokens import SocialTokenFile, channel_token_file
from media_pipeline.providers.tiktok import TikTokOAuth, classify, tiktok_access_token
from media_pipeline.settings import Settings

SCOPE = "video.list"
FIELDS = "id,view_count,like_count,comment_count,share_count"
QUERY_PATH = "/v2/video/query/"


class TikTokMetricsSource:
    """The lifetime counters of a post of the channel setting's TikTok account."""

    target = "tiktok"
    cumulative = True

    def __init__(
        self,
        settings: Settings,
        channel_setting_id: str | None,
        *,
        http: SocialHttp | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        secret = settings.tiktok_client_secret
        if channel_setting_id is None or not settings.tiktok_client_key or secret is None:
            raise ProviderNotConfiguredError(
                "TikTok metrics need the channel setting's TikTok connection and "
                "MEDIA_PIPELINE_TIKTOK_CLIENT_KEY / _CLIENT_SECRET"
            )
        self.tokens: SocialTokenFile = channel_token_file(settings, channel_setting_id, self.target)
        self.base_url = settings.tiktok_api_base_url.rstrip("/")
        self.http = http or SocialHttp("TikTok", classify)
        self.oauth = TikTokOAuth(
            self.http,
            self.base_url,
            settings.tiktok_client_key,
            secret.get_secret_value(),
        )
        self.clock = clock

    def daily(self, publication: Publication, start: date, end: date) -> list[DailyMetrics]:
        """Today's snapshot (``end``) of the post's lifetime counters; nothing if TikTok does not list it."""
        token = tiktok_access_token(self.tokens, self.oauth, SCOPE, self.clock())
        response = self.http.request(
            "POST",
            self.base_url + QUERY_PATH,
            token=token,
            what="video query",
            params={"fields": FIELDS},
            json={"filters": {"video_ids": [publication.remote_id]}},
        )
        data = response.json().get("data")
        if not isinstance(data, dict):
            raise TransientError("TikTok video query answered without data")
        video = next((v for v in data.get("videos") or [] if str(v.get("id")) == publication.remote_id), None)
        if video is None:
            return []
        return [
            DailyMetrics(
                day=end,
                views=int(video.get("view_count") or 0),
                likes=_count(video, "like_count"),
                comments=_count(video, "comment_count"),
                shares=_count(video, "share_count"),
            )
        ]


def _count(video: dict[str, object], name: str) -> int | None:
    value = video.get(name)
    return int(value) if isinstance(value, int | str) else None

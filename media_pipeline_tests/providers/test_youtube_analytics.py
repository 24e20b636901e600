"""YouTube Analytics v2 as a metrics source, through the real google-api-python-client against the loopback
fake (discovery document served by the fake; bearer tokens and refresh from its OAuth endpoints)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest

from media_pipeline.domain.performance import DailyMetrics, Publication
from media_pipeline.errors import DeferredError, ProviderNotConfiguredError
from media_pipeline.providers.metrics import build_metrics_source
from media_pipeline.providers.youtube_analytics import METRICS
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.fake_youtube_analytics import REPORTS_PATH, FakeYouTubeAnalytics
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import write_token

PUBLICATION = Publication(
    content_id="m1",
    task_id="t1",
    workspace_id="w1",
    target="youtube",
    remote_id="vid123",
    published_at=datetime(2026, 11, 30, 9, tzinfo=UTC),
)


@dataclass
class Env:
    fake: FakeYouTubeAnalytics
    server: FakeServer
    settings: Settings
    token: Path


@pytest.fixture
def env(tmp_path: Path, make_settings: Callable[..., Settings]) -> Iterator[Env]:
    fake = FakeYouTubeAnalytics()
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        token = write_token(tmp_path / "token.json", f"{server.base_url}/token")
        settings = make_settings(
            youtube_token_file=token,
            youtube_analytics_base_url=server.base_url,
            youtube_token_uri=f"{server.base_url}/token",
        )
        yield Env(fake, server, settings, token)


def _daily(env: Env, start: date = date(2026, 11, 30), end: date = date(2026, 12, 2)) -> list[DailyMetrics]:
    return build_metrics_source("youtube", env.settings, None).daily(PUBLICATION, start, end)


def test_daily_metrics_are_read_by_day_for_the_video(env: Env) -> None:
    env.fake.set_day("vid123", date(2026, 11, 30), views=10, averageViewPercentage=55.5, likes=2)
    env.fake.set_day(
        "vid123", date(2026, 12, 1), views=25, estimatedMinutesWatched=7.5, averageViewDuration=18
    )
    env.fake.set_day("vid123", date(2026, 12, 9), views=99)  # outside the range
    env.fake.set_day("other", date(2026, 12, 1), views=1000)  # another video

    days = _daily(env)

    assert days == [
        DailyMetrics(
            day=date(2026, 11, 30),
            views=10,
            estimated_minutes_watched=0.0,
            average_view_duration_s=0.0,
            average_view_percentage=55.5,
            likes=2,
            comments=0,
            shares=0,
            subscribers_gained=0,
        ),
        DailyMetrics(
            day=date(2026, 12, 1),
            views=25,
            estimated_minutes_watched=7.5,
            average_view_duration_s=18.0,
            average_view_percentage=0.0,
            likes=0,
            comments=0,
            shares=0,
            subscribers_gained=0,
        ),
    ]
    [query] = env.fake.queries
    assert query["ids"] == "channel==MINE"
    assert (query["startDate"], query["endDate"]) == ("2026-11-30", "2026-12-02")
    assert query["metrics"].split(",") == list(METRICS)
    assert (query["dimensions"], query["filters"]) == ("day", "video==vid123")
    assert env.server.matching("GET", REPORTS_PATH)[0].headers["authorization"] == "Bearer valid-token"


def test_no_data_is_an_empty_series(env: Env) -> None:
    assert _daily(env) == []


def test_an_expired_token_is_refreshed_and_saved(env: Env) -> None:
    write_token(env.token, f"{env.server.base_url}/token", token=None)
    env.fake.set_day("vid123", date(2026, 12, 1), views=3)

    assert [d.views for d in _daily(env)] == [3]
    assert env.server.matching("GET", REPORTS_PATH)[0].headers["authorization"] == "Bearer fresh-token-1"
    assert "fresh-token-1" in env.token.read_text()


def test_quota_exceeded_defers_until_the_daily_reset(env: Env) -> None:
    env.fake.quota_exceeded = True
    with pytest.raises(DeferredError, match="quota") as raised:
        _daily(env)
    assert 0 < raised.value.retry_after_s <= 24 * 3600 + 600


def test_a_rejected_access_token_is_refreshed_once(env: Env) -> None:
    env.fake.valid_tokens.clear()
    assert _daily(env) == []
    assert [r.headers["authorization"] for r in env.server.matching("GET", REPORTS_PATH)] == [
        "Bearer valid-token",
        "Bearer fresh-token-1",
    ]


def test_a_revoked_channel_asks_to_connect_it_again(env: Env) -> None:
    env.fake.valid_tokens.clear()
    env.fake.revoked.append(env.fake.refresh_token)
    with pytest.raises(ProviderNotConfiguredError, match="authorize again"):
        _daily(env)


def test_an_unconnected_channel_is_a_clear_error(env: Env) -> None:
    with pytest.raises(ProviderNotConfiguredError, match="not connected"):
        build_metrics_source("youtube", env.settings, "c-missing")
    with pytest.raises(ProviderNotConfiguredError, match="no metrics source"):
        build_metrics_source("myspace", env.settings, None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"startDate": None}, "startDate is missing"),
        ({"ids": None}, "ids is missing"),
        ({"metrics": None}, "metrics is missing"),
        ({"endDate": "2026/12/02"}, "YYYY-MM-DD"),
        ({"startDate": "2026-12-05"}, "start date"),
        ({"metrics": "views,bogus"}, "bogus"),
        ({"ids": "channel"}, "pattern"),
    ],
)
def test_the_fake_refuses_what_the_service_refuses(env: Env, change: dict, message: str) -> None:
    query = {
        "ids": "channel==MINE",
        "startDate": "2026-11-30",
        "endDate": "2026-12-02",
        "metrics": "views",
        "dimensions": "day",
    }
    query = {k: v for k, v in {**query, **change}.items() if v is not None}
    reply = httpx.get(
        f"{env.server.base_url}{REPORTS_PATH}", params=query, headers={"Authorization": "Bearer valid-token"}
    )
    assert reply.status_code == 400
    assert message in reply.json()["error"]["message"]
    unauthenticated = httpx.get(f"{env.server.base_url}{REPORTS_PATH}", params=query)
    assert unauthenticated.status_code == 401

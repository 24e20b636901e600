"""Integration: a real dagster-daemon's performance schedule materializes ``video_performance`` for a
published video at its tick (metrics read from the YouTube Analytics fake through google-api-python-client),
and the next tick upserts the same days with the new values (no duplicate rows)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import select

from media_pipeline.store import make_engine, session_factory
from media_pipeline.store.performance_models import PerformanceDay
from media_pipeline_tests.orchestration.daemon import OWNER, app_db_url, prepared_home, running_daemon
from media_pipeline_tests.performance_support import publish_video
from media_pipeline_tests.providers.fake_youtube_analytics import FakeYouTubeAnalytics
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import write_token
from media_pipeline_tests.serving import wait_for

pytestmark = pytest.mark.slow
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def _views(url: str, content_id: str) -> list[tuple[str, int]]:
    with session_factory(make_engine(url))() as session:
        rows = session.scalars(
            select(PerformanceDay).where(PerformanceDay.content_id == content_id).order_by(PerformanceDay.day)
        ).all()
        return [(row.day.isoformat(), row.views) for row in rows]


def test_the_schedule_tick_materializes_performance_and_the_next_tick_upserts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    fake = FakeYouTubeAnalytics()
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        token = write_token(tmp_path / "token.json", f"{server.base_url}/token")
        home = prepared_home(
            "sqlite",
            tmp_path,
            monkeypatch,
            request,
            MEDIA_PIPELINE_PERFORMANCE_CRON="* * * * *",
            MEDIA_PIPELINE_PERFORMANCE_EARLY_INTERVAL_S="1",
            MEDIA_PIPELINE_YOUTUBE_TOKEN_FILE=str(token),
            MEDIA_PIPELINE_YOUTUBE_TOKEN_URI=f"{server.base_url}/token",
            MEDIA_PIPELINE_YOUTUBE_ANALYTICS_BASE_URL=server.base_url,
        )
        for name in PROXIES:  # the fake is reached directly
            home.env.pop(name, None)
        url = app_db_url(home)
        published = publish_video(url, OWNER, "Daemon", "vidD", datetime.now(UTC) - timedelta(hours=30))
        first = published.published_at.date()
        second = first + timedelta(days=1)
        fake.set_day("vidD", first, views=10, averageViewPercentage=40)

        with running_daemon(home) as daemon:
            assert wait_for(
                lambda: _views(url, published.content_id) == [(first.isoformat(), 10)],
                timeout=240,
                what="the first tick's materialization",
                process=daemon,
                interval=1,
            )
            fake.set_day("vidD", first, views=15, averageViewPercentage=45)
            fake.set_day("vidD", second, views=4, averageViewPercentage=60)
            wait_for(
                lambda: (
                    _views(url, published.content_id) == [(first.isoformat(), 15), (second.isoformat(), 4)]
                ),
                timeout=240,
                what="the next tick's upsert",
                process=daemon,
                interval=1,
            )
            instance = dg.DagsterInstance.get()
            runs = instance.get_runs(dg.RunsFilter(job_name="video_performance_job"))

    assert len(runs) >= 2
    assert {run.tags["dagster/schedule_name"] for run in runs} == {"video_performance_schedule"}
    assert {run.tags["dagster/partition"] for run in runs} == {published.task_id}
    assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs if run.is_finished)
    assert {q["filters"] for q in fake.queries} == {"video==vidD"}

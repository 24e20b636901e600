"""The video_performance asset, its freshness check and its schedule, in process against a real app DB
(SQLite and PostgreSQL) and the YouTube Analytics fake driven through google-api-python-client."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import func, select

from media_pipeline.domain.performance import Publication
from media_pipeline.orchestration.partitions import TASK_PARTITIONS
from media_pipeline.orchestration.performance import (
    FRESHNESS_CHECK,
    performance_schedule,
    video_performance,
)
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, make_engine, session_factory
from media_pipeline.store.performance import PerformanceStore
from media_pipeline.store.performance_models import PerformanceDay, PerformanceFetch
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.performance_support import publish_video, record_views
from media_pipeline_tests.providers.fake_youtube_analytics import FakeYouTubeAnalytics
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import write_token

OWNER = Owner(user_id="u1", workspace_id="w1")


@dataclass
class Env:
    db_url: str
    fake: FakeYouTubeAnalytics
    settings: Settings
    instance: dg.DagsterInstance


@pytest.fixture
def env(
    db_url: str, tmp_path: Path, instance: dg.DagsterInstance, entry_point_env: EntryPointEnv
) -> Iterator[Env]:
    fake = FakeYouTubeAnalytics()
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        token = write_token(tmp_path / "token.json", f"{server.base_url}/token")
        settings = entry_point_env.set(  # the metrics resource reads them from the environment
            data_dir=tmp_path / "var",
            app_db_url=db_url,
            youtube_token_file=token,
            youtube_token_uri=f"{server.base_url}/token",
            youtube_analytics_base_url=server.base_url,
        )
        yield Env(db_url, fake, settings, instance)


def _materialize(env: Env, task_id: str) -> dg.ExecuteInProcessResult:
    if not env.instance.has_dynamic_partition(TASK_PARTITIONS, task_id):
        env.instance.add_dynamic_partitions(TASK_PARTITIONS, [task_id])
    resources = build_resources(env.settings)
    return dg.materialize(
        [video_performance],
        partition_key=task_id,
        instance=env.instance,
        resources={key: resources[key] for key in ("app_db", "metrics", "storage")},
    )


def _rows(db_url: str, content_id: str) -> dict[date, tuple[int, float | None]]:
    with session_factory(make_engine(db_url))() as session:
        rows = session.scalars(select(PerformanceDay).where(PerformanceDay.content_id == content_id)).all()
        return {row.day: (row.views, row.average_view_percentage) for row in rows}


def _check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.check_name == FRESHNESS_CHECK
    return evaluation


def _published(env: Env, hours_ago: float, video_id: str = "vidA") -> Publication:
    return publish_video(
        env.db_url, OWNER, "Autumn", video_id, datetime.now(UTC) - timedelta(hours=hours_ago)
    )


def test_the_asset_upserts_one_row_per_day_and_updates_values(env: Env) -> None:
    publication = _published(env, hours_ago=30)
    first, second = publication.published_at.date(), publication.published_at.date() + timedelta(days=1)
    env.fake.set_day("vidA", first, views=10, averageViewPercentage=40.0)

    result = _materialize(env, publication.task_id)

    assert result.success
    assert _rows(env.db_url, publication.content_id) == {first: (10, 40.0)}
    assert _check(result).passed

    env.fake.set_day("vidA", first, views=12, averageViewPercentage=42.5)
    env.fake.set_day("vidA", second, views=7, averageViewPercentage=50.0)
    assert _materialize(env, publication.task_id).success

    assert _rows(env.db_url, publication.content_id) == {first: (12, 42.5), second: (7, 50.0)}
    with session_factory(make_engine(env.db_url))() as session:
        count = session.scalar(select(func.count()).select_from(PerformanceDay))
    assert count == 2


def test_quota_defers_the_publication_and_the_freshness_check_fails_when_stale(env: Env) -> None:
    publication = _published(env, hours_ago=72)
    record_views(
        env.db_url, publication, {publication.published_at.date(): 5}, datetime.now(UTC) - timedelta(hours=30)
    )
    env.fake.quota_exceeded = True

    result = _materialize(env, publication.task_id)

    assert result.success  # deferred, not failed
    evaluation = _check(result)
    assert not evaluation.passed
    [stale] = evaluation.metadata["stale"].value
    assert stale["content_id"] == publication.content_id
    assert "quota" in stale["error"]
    with session_factory(make_engine(env.db_url))() as session:
        fetch = session.get(PerformanceFetch, (publication.content_id, "youtube"))
        assert fetch is not None and fetch.deferred_until is not None
        assert fetch.deferred_until > datetime.now(UTC)
    # deferred: the schedule does not ask for it before the quota resets
    assert PerformanceStore(env.db_url, settings=env.settings).due_tasks(datetime.now(UTC)) == []
    assert _rows(env.db_url, publication.content_id) == {publication.published_at.date(): (5, None)}


def test_a_fresh_publication_passes_even_before_its_first_read(env: Env) -> None:
    publication = _published(env, hours_ago=2)
    env.fake.quota_exceeded = True
    assert _check(_materialize(env, publication.task_id)).passed


def test_the_schedule_asks_for_due_publications_hourly_early_then_daily(env: Env) -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    early = _published(env, hours_ago=5, video_id="early")
    late = _published(env, hours_ago=24 * 10, video_id="late")
    too_old = _published(env, hours_ago=24 * 100, video_id="old")
    store = PerformanceStore(env.db_url, settings=env.settings)
    schedule = performance_schedule(env.settings.performance_cron)
    assert (schedule.name, schedule.cron_schedule) == ("video_performance_schedule", "0 * * * *")

    def evaluate(at: datetime) -> list[str]:
        with dg.build_schedule_context(
            instance=env.instance,
            scheduled_execution_time=at,
            resources={"app_db": build_resources(env.settings)["app_db"]},
        ) as context:
            result = schedule(context)
        return [] if isinstance(result, dg.SkipReason) else [r.partition_key for r in result]

    assert sorted(evaluate(now)) == sorted([early.task_id, late.task_id])  # never read; too old: not followed
    assert env.instance.has_dynamic_partition(TASK_PARTITIONS, early.task_id)
    assert too_old.task_id not in evaluate(now)
    store.record(early, [], now, None)
    store.record(late, [], now, None)
    assert evaluate(now + timedelta(minutes=30)) == []
    assert evaluate(now + timedelta(hours=1)) == [early.task_id]  # hourly in its first 48 h
    assert sorted(evaluate(now + timedelta(days=1))) == sorted([early.task_id, late.task_id])

"""The performance of one task published to YouTube, TikTok and Instagram Reels (docs/ARCHITECTURE.md §13):
the ``video_performance`` asset materialized in process reads every target's metrics from its loopback fake
(YouTube Analytics by day; TikTok and Instagram lifetime counters stored as daily differences), a revoked
TikTok token marks its connection ``reconnect`` without holding back the others, and the API answers a
series per target. Quota answers of TikTok and Instagram defer their publication only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import httpx
import pytest
from sqlalchemy import select

from media_pipeline.api.app import create_app
from media_pipeline.domain.statuses import ConnectionStatus, PublicationStatus, UserContentStatus
from media_pipeline.orchestration.partitions import TASK_PARTITIONS
from media_pipeline.orchestration.performance import video_performance
from media_pipeline.orchestration.resources import build_resources
from media_pipeline.providers.social_tokens import channel_token_file
from media_pipeline.store import make_engine, session_factory
from media_pipeline.store.channels import CHANNEL_FIELD
from media_pipeline.store.enums import UserContentType
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import Task, UserContent
from media_pipeline.store.performance_models import PerformanceDay, PerformanceFetch
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import serving
from media_pipeline_tests.conftest import EntryPointEnv, FakeClock
from media_pipeline_tests.orchestration.conftest import instance  # noqa: F401  (fixture)
from media_pipeline_tests.publishing.support import ALL_TARGETS, OWNER, World, open_world
from media_pipeline_tests.settings_support import with_values

YOUTUBE, TIKTOK, INSTAGRAM = ALL_TARGETS
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
Rows = dict[str, dict[date, tuple[int, int | None]]]


@pytest.fixture
def world(
    tmp_path: Path,
    db_url: str,
    s3_bucket: str,
    mp4: Path,
    clock: FakeClock,
    entry_point_env: EntryPointEnv,
) -> Iterator[World]:
    """The world with every target published and its content item; the environment the asset reads."""
    with open_world(tmp_path, db_url, f"s3://{s3_bucket}/media", mp4, clock) as opened:
        report = opened.run()
        assert report.error is None, report.summary
        entry_point_env.set(**opened.overrides, app_db_url=db_url)  # read by the metrics asset's resources
        yield opened


def add_content(world: World, published_at: datetime) -> str:
    """The "my contents" item the finished generation leaves (the rows' published_at comes from it); the
    task names its channel setting, as the console's tasks do."""
    content_id = new_id("m")
    with session_factory(make_engine(world.db_url)).begin() as session:
        task = session.get(Task, world.task.task_id)
        assert task is not None
        task.settings = {**task.settings, CHANNEL_FIELD: world.channel_id}
        session.add(
            UserContent(
                id=content_id,
                user_id=OWNER.user_id,
                workspace_id=OWNER.workspace_id,
                task_id=world.task.task_id,
                generation=world.task.generation,
                type=UserContentType.VIDEO,
                title=world.task.title,
                status=UserContentStatus.PUBLISHED,
                youtube_url=world.publications()[YOUTUBE].url,
                published_at=published_at,
            )
        )
    return content_id


def materialize(world: World, dagster: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    task_id = world.task.task_id
    if not dagster.has_dynamic_partition(TASK_PARTITIONS, task_id):
        dagster.add_dynamic_partitions(TASK_PARTITIONS, [task_id])
    resources = build_resources(with_values(world.settings, app_db_url=world.db_url))
    return dg.materialize(
        [video_performance],
        partition_key=task_id,
        instance=dagster,
        resources={key: resources[key] for key in ("app_db", "metrics", "storage")},
    )


def rows(world: World, content_id: str) -> Rows:
    """``{target: {day: (views, likes)}}``."""
    found: Rows = {}
    with session_factory(make_engine(world.db_url))() as session:
        for row in session.scalars(select(PerformanceDay).where(PerformanceDay.content_id == content_id)):
            found.setdefault(row.target, {})[row.day] = (row.views, row.likes)
    return found


def post_ids(world: World) -> tuple[str, str, str]:
    pubs = world.publications()
    assert all(pub.status is PublicationStatus.PUBLISHED for pub in pubs.values())
    return pubs[YOUTUBE].post_id or "", pubs[TIKTOK].post_id or "", pubs[INSTAGRAM].post_id or ""


def test_every_target_gets_its_rows_and_lifetime_counters_become_daily_differences(
    world: World,
    instance: dg.DagsterInstance,  # noqa: F811
) -> None:
    today = datetime.now(UTC).date()
    content_id = add_content(world, datetime.now(UTC) - timedelta(hours=2))
    video_id, tiktok_id, media_id = post_ids(world)
    world.youtube.set_day(video_id, today, views=40, likes=4)
    world.tiktok.set_counters(tiktok_id, view_count=120, like_count=9, comment_count=2, share_count=1)
    world.instagram.set_insights(
        media_id, views=300, likes=20, comments=3, shares=2, reach=250, saved=5,
        ig_reels_avg_watch_time=4500, ig_reels_video_view_total_time=1_350_000,
    )  # fmt: skip

    result = materialize(world, instance)

    assert result.success
    assert rows(world, content_id) == {
        "youtube": {today: (40, 4)},
        "tiktok": {today: (120, 9)},
        "instagram": {today: (300, 20)},
    }
    fields = ["id", "view_count", "like_count", "comment_count", "share_count"]
    assert world.tiktok.queries == [{"fields": fields, "video_ids": [tiktok_id]}]
    with session_factory(make_engine(world.db_url))() as session:
        reel = session.scalars(select(PerformanceDay).where(PerformanceDay.target == "instagram")).one()
        assert (reel.estimated_minutes_watched, reel.average_view_duration_s) == (22.5, 4.5)

    # yesterday's rows hold the lifetime counters so far: today's row is the difference
    with session_factory(make_engine(world.db_url)).begin() as session:
        for row in session.scalars(select(PerformanceDay).where(PerformanceDay.target != "youtube")):
            row.day = today - timedelta(days=1)
    world.tiktok.set_counters(tiktok_id, view_count=150, like_count=10)
    world.instagram.set_insights(
        media_id, views=360, likes=26, reach=280, saved=7, ig_reels_video_view_total_time=1_650_000
    )
    assert materialize(world, instance).success
    found = rows(world, content_id)
    assert found["tiktok"] == {today - timedelta(days=1): (120, 9), today: (30, 1)}
    assert found["instagram"] == {today - timedelta(days=1): (300, 20), today: (60, 6)}

    body = content_performance(world, content_id)
    series = {pub["target"]: [(d["day"], d["views"]) for d in pub["days"]] for pub in body["publications"]}
    yesterday = (today - timedelta(days=1)).isoformat()
    assert series == {
        "youtube": [(today.isoformat(), 40)],
        "tiktok": [(yesterday, 120), (today.isoformat(), 30)],
        "instagram": [(yesterday, 300), (today.isoformat(), 60)],
    }
    remote = {pub["target"]: pub["remoteId"] for pub in body["publications"]}
    assert remote == {"youtube": video_id, "tiktok": tiktok_id, "instagram": media_id}
    assert body["totals"]["views"] == 40 + 150 + 360  # the rows add up to the latest lifetime counters
    accounts = {
        pub["target"]: (
            [(d["reach"], d["saved"]) for d in pub["days"]],
            pub["totals"]["reach"],
            pub["totals"]["saved"],
        )
        for pub in body["publications"]
    }
    assert accounts == {  # Instagram's reach and saved, stored like its other lifetime counters
        "youtube": ([(None, None)], None, None),
        "tiktok": ([(None, None), (None, None)], None, None),
        "instagram": ([(250, 5), (30, 2)], 280, 7),
    }
    assert (body["totals"]["reach"], body["totals"]["saved"]) == (280, 7)


def content_performance(world: World, content_id: str) -> dict[str, Any]:
    """``GET /api/contents/{id}/performance`` as the task's owner, from the API served on loopback."""
    token = mint_token(OWNER.user_id, OWNER.workspace_id, world.settings)
    with serving(create_app(world.settings, engine_url=world.db_url)) as base_url:
        response = httpx.get(
            f"{base_url}/api/contents/{content_id}/performance", headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 200, response.text
    return dict(response.json())


@SQLITE_ONLY
def test_a_revoked_tiktok_token_marks_the_connection_and_leaves_the_others_updated(
    world: World,
    instance: dg.DagsterInstance,  # noqa: F811
) -> None:
    today = datetime.now(UTC).date()
    content_id = add_content(world, datetime.now(UTC) - timedelta(hours=2))
    video_id, tiktok_id, media_id = post_ids(world)
    world.youtube.set_day(video_id, today, views=7)
    world.tiktok.set_counters(tiktok_id, view_count=70)
    world.instagram.set_insights(media_id, views=9)
    world.tiktok.revoke_all()

    result = materialize(world, instance)

    assert result.success
    assert rows(world, content_id) == {"youtube": {today: (7, 0)}, "instagram": {today: (9, None)}}
    connections = PublishConnections(world.db_url)
    states = {c.target: (c.status, c.error) for c in connections.list(world.channel_id)}
    assert states[TIKTOK][0] is ConnectionStatus.RECONNECT
    assert "access_token_invalid" in (states[TIKTOK][1] or "")
    assert states[INSTAGRAM] == (ConnectionStatus.CONNECTED, None)
    with session_factory(make_engine(world.db_url))() as session:
        fetch = session.get(PerformanceFetch, (content_id, "tiktok"))
        assert fetch is not None and fetch.fetched_at is None and fetch.deferred_until is not None
    assert tiktok_id not in "".join(str(q) for q in world.tiktok.queries)


@SQLITE_ONLY
def test_rate_limits_defer_tiktok_and_instagram_and_youtube_is_still_read(
    world: World,
    instance: dg.DagsterInstance,  # noqa: F811
) -> None:
    today = datetime.now(UTC).date()
    content_id = add_content(world, datetime.now(UTC) - timedelta(hours=2))
    video_id, _, _ = post_ids(world)
    world.youtube.set_day(video_id, today, views=5)
    world.tiktok.query_rate_limited = True
    world.instagram.insights_rate_limited = True

    assert materialize(world, instance).success

    assert rows(world, content_id) == {"youtube": {today: (5, 0)}}
    with session_factory(make_engine(world.db_url))() as session:
        for target, error in (("tiktok", "rate_limit_exceeded"), ("instagram", "error 4/")):
            fetch = session.get(PerformanceFetch, (content_id, target))
            assert fetch is not None and fetch.deferred_until is not None and error in (fetch.error or "")
            assert fetch.deferred_until > datetime.now(UTC)


@SQLITE_ONLY
def test_a_tiktok_connection_without_video_list_is_marked_for_a_reconnect_before_any_call(
    world: World,
    instance: dg.DagsterInstance,  # noqa: F811
) -> None:
    add_content(world, datetime.now(UTC) - timedelta(hours=2))
    tokens = channel_token_file(world.settings, world.channel_id, "tiktok")
    tokens.save(tokens.load().model_copy(update={"scope": "user.info.basic,video.publish"}))

    assert materialize(world, instance).success

    connections = PublishConnections(world.db_url)
    [tiktok] = [c for c in connections.list(world.channel_id) if c.target == TIKTOK]
    assert tiktok.status is ConnectionStatus.RECONNECT and "video.list" in (tiktok.error or "")
    assert world.tiktok.queries == []

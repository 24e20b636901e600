"""One task published to YouTube, TikTok and Instagram Reels through their loopback fakes, each publication
with its own record (docs/ARCHITECTURE.md §10, publications): crashes, quotas, revoked tokens, rejections."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from media_pipeline.api.app import create_app
from media_pipeline.domain import Privacy
from media_pipeline.domain.models import InteractionSettings
from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import ConnectionStatus, PublicationStatus
from media_pipeline.errors import BoundedDeferral, DeferredError, TransientError
from media_pipeline.media.probe import media_duration
from media_pipeline.providers.tiktok import chunks
from media_pipeline.store import STAGES, LaunchItem, TaskService
from media_pipeline.store.clock import utcnow
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline_tests.api.conftest import serving
from media_pipeline_tests.conftest import FakeClock
from media_pipeline_tests.providers.fake_tiktok import MB
from media_pipeline_tests.providers.fakeserver import Reply
from media_pipeline_tests.publishing.support import (
    ALL_TARGETS,
    OWNER,
    World,
    at_the_publish_stage,
    open_world,
    write_config,
)

YOUTUBE, TIKTOK, INSTAGRAM = ALL_TARGETS
PUBLISH = STAGES[-1]
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def world(tmp_path: Path, db_url: str, s3_bucket: str, mp4: Path, clock: FakeClock) -> Iterator[World]:
    with open_world(tmp_path, db_url, f"s3://{s3_bucket}/media", mp4, clock) as opened:
        yield opened


def statuses(world: World) -> dict[PublishTarget, PublicationStatus]:
    return {target: pub.status for target, pub in world.publications().items()}


def connection_states(world: World) -> dict[PublishTarget, ConnectionStatus]:
    connections = PublishConnections(world.db_url)
    return {c.target: c.status for c in connections.list(world.channel_id)}


def test_one_task_is_published_to_all_three_targets(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    report = world.run()

    assert report.error is None, report.summary
    assert statuses(world) == dict.fromkeys(ALL_TARGETS, PublicationStatus.PUBLISHED)
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)
    pubs = world.publications()
    (video_id,) = world.youtube.videos
    assert (
        pubs[YOUTUBE].post_id == video_id
        and pubs[YOUTUBE].url == f"https://www.youtube.com/watch?v={video_id}"
    )
    (upload,) = world.tiktok.uploads.values()
    assert bytes(upload.data) == world.paths.output_mp4.read_bytes()
    assert upload.post_info["privacy_level"] == "PUBLIC_TO_EVERYONE"
    assert upload.post_info["disable_stitch"] is True  # the creator has stitches off
    assert upload.post_info["title"] == "Cats at home\n\n#cats #dailylife"
    assert pubs[TIKTOK].url == f"https://www.tiktok.com/@fakecreator/video/{pubs[TIKTOK].post_id}"
    (media,) = world.instagram.media.values()
    assert media["caption"] == "Cats at home\n\n#cats #dailylife"
    assert world.instagram.fetched == [world.paths.output_mp4.stat().st_size]  # fetched from the bucket
    assert (
        pubs[INSTAGRAM].url == media["permalink"] and pubs[INSTAGRAM].remote_id in world.instagram.containers
    )
    assert report.result is not None and report.result.target == "youtube"

    again = world.run()  # a repeated stage run posts nothing
    assert again.error is None and world.posts() == dict.fromkeys(ALL_TARGETS, 1)
    assert "tt-access" not in caplog.text and "ig-access" not in caplog.text


@SQLITE_ONLY
@pytest.mark.parametrize("target", ALL_TARGETS, ids=str)
def test_a_worker_killed_right_after_a_publish_call_is_resumed_without_a_second_post(
    world: World, target: PublishTarget, tmp_path: Path
) -> None:
    hold = world.holds[target]
    hold.armed = True
    config = write_config(world, tmp_path / "child.json")
    child = subprocess.Popen([sys.executable, "-m", "media_pipeline_tests.publishing.child", str(config)])
    try:
        assert hold.posted.wait(60), "the child never made its publish call"
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(30) == -signal.SIGKILL
    finally:
        hold.release.set()
        if child.poll() is None:
            child.kill()
    assert world.posts()[target] == 1

    report = world.run()

    assert report.error is None, report.summary
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)
    assert statuses(world) == dict.fromkeys(ALL_TARGETS, PublicationStatus.PUBLISHED)
    assert all(pub.post_id and pub.url for pub in world.publications().values())  # the post's link too


@SQLITE_ONLY
def test_tiktok_quota_defers_tiktok_only_and_it_is_published_after_the_reset(
    world: World, clock: FakeClock
) -> None:
    world.tiktok.daily_posts = 0

    report = world.run()

    assert isinstance(report.error, BoundedDeferral) and report.error.retry_after_s == 24 * 3600
    assert statuses(world) == {
        YOUTUBE: PublicationStatus.PUBLISHED,
        TIKTOK: PublicationStatus.DEFERRED,
        INSTAGRAM: PublicationStatus.PUBLISHED,
    }
    tiktok = world.publications()[TIKTOK]
    assert tiktok.deferred_until == clock() + timedelta(hours=24)
    assert "spam_risk_too_many_posts" in (tiktok.error or "")

    clock.advance(hours=1)  # an early retry leaves it deferred and calls nobody
    calls = len(world.tiktok.uploads)
    early = world.run()
    assert isinstance(early.error, DeferredError) and early.error.retry_after_s == 23 * 3600
    assert len(world.tiktok.uploads) == calls

    clock.advance(hours=23)  # past the access token's expiry too: it is refreshed first
    world.tiktok.reset_quota()
    done = world.run()
    assert len(world.servers[TIKTOK].matching("POST", "/v2/oauth/token/")) == 1

    assert done.error is None, done.summary
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)
    assert statuses(world)[TIKTOK] is PublicationStatus.PUBLISHED


@SQLITE_ONLY
def test_a_publication_deferred_past_its_horizon_fails_with_that_reason(
    world: World, clock: FakeClock
) -> None:
    world.overrides["publish_defer_horizon_h"] = 30
    world.tiktok.daily_posts = 0
    first = world.run()
    assert isinstance(first.error, BoundedDeferral)  # 24 h: within the horizon

    clock.advance(hours=24)  # still capped: the next wait would end 48 h after the first try
    report = world.run()

    assert report.error is None, report.summary  # final: the stage is not run again for it
    tiktok = world.publications()[TIKTOK]
    assert tiktok.status is PublicationStatus.FAILED and tiktok.deferred_until is None
    assert "tiktok deferred past its horizon of 30 h" in (tiktok.error or "")
    assert "spam_risk_too_many_posts" in (tiktok.error or "")
    inits = len(world.servers[TIKTOK].matching("POST", "/v2/post/publish/video/init/"))
    world.tiktok.reset_quota()
    assert world.run().error is None
    assert len(world.servers[TIKTOK].matching("POST", "/v2/post/publish/video/init/")) == inits
    assert world.posts() == {YOUTUBE: 1, TIKTOK: 0, INSTAGRAM: 1}


@SQLITE_ONLY
def test_a_revoked_tiktok_token_asks_for_a_reconnect_and_the_others_publish(world: World) -> None:
    world.tiktok.revoke_all()

    report = world.run()

    assert report.error is None  # nothing retried: the publication waits for a reconnect
    assert statuses(world)[TIKTOK] is PublicationStatus.FAILED
    assert "access_token_invalid" in (world.publications()[TIKTOK].error or "")
    assert world.posts() == {YOUTUBE: 1, TIKTOK: 0, INSTAGRAM: 1}
    assert connection_states(world) == {
        TIKTOK: ConnectionStatus.RECONNECT,
        INSTAGRAM: ConnectionStatus.CONNECTED,
    }


@SQLITE_ONLY
def test_a_revoked_instagram_token_asks_for_a_reconnect(world: World) -> None:
    world.instagram.revoke_all()

    report = world.run()

    assert report.error is None
    assert statuses(world)[INSTAGRAM] is PublicationStatus.FAILED
    assert "190" in (world.publications()[INSTAGRAM].error or "")
    assert connection_states(world) == {
        TIKTOK: ConnectionStatus.CONNECTED,
        INSTAGRAM: ConnectionStatus.RECONNECT,
    }


def _revoke(world: World, target: PublishTarget) -> None:
    (world.tiktok if target is TIKTOK else world.instagram).revoke_all()


def _connect_again(world: World, target: PublishTarget) -> list[str]:
    """The owner connects the account again (its token is live again); the tasks whose publishing resumed."""
    if target is TIKTOK:
        world.tiktok.issue()
    else:
        world.instagram.tokens.add("ig-access")
    account = ("open-fake", "fakecreator") if target is TIKTOK else (world.instagram.user_id, "fakeig")
    connections = PublishConnections(world.db_url)
    return list(connections.connect(world.channel_id, target, *account))


@pytest.mark.parametrize("target", [TIKTOK, INSTAGRAM], ids=str)
def test_a_reconnect_resumes_the_publication_a_revoked_token_failed_once_and_posts_once(
    world: World, target: PublishTarget
) -> None:
    state = at_the_publish_stage(world, world.settings)
    task_id, tasks = world.task.task_id, TaskService(world.db_url, OWNER, settings=world.settings)
    _revoke(world, target)
    assert state.stage_started(task_id, 1, PUBLISH, "publish-0", None, attempt=0)
    assert world.run().error is None
    assert state.stage_completed(task_id, 1, PUBLISH, "publish-0", [], attempt=0)
    failed = world.publications()[target]
    assert (failed.status, failed.awaiting_reconnect) == (PublicationStatus.FAILED, world.channel_id)
    assert tasks.get(task_id).status == "succeeded"

    assert _connect_again(world, target) == [task_id]

    resumed = tasks.get(task_id)
    assert (resumed.status, resumed.message) == (
        "queued",
        f"publishing resumed: the {target} account is connected again",
    )
    assert world.publications()[target].status is PublicationStatus.PENDING
    assert state.launchable(utcnow(), 10) == [LaunchItem(task_id, 1, PUBLISH, 1)]  # the normal path
    assert state.stage_started(task_id, 1, PUBLISH, "publish-1", None, attempt=1)
    report = world.run()
    assert report.error is None, report.summary
    assert state.stage_completed(task_id, 1, PUBLISH, "publish-1", [], attempt=1)

    assert tasks.get(task_id).status == "succeeded"
    assert statuses(world) == dict.fromkeys(ALL_TARGETS, PublicationStatus.PUBLISHED)
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)  # the others were not sent again
    assert world.publications()[target].awaiting_reconnect is None
    assert _connect_again(world, target) == []  # resumed once: another connect changes nothing
    assert tasks.get(task_id).status == "succeeded"


@SQLITE_ONLY
def test_videos_the_platforms_reject_fail_with_their_reason_and_are_not_sent_again(world: World) -> None:
    world.tiktok.reject_with = "duration_check_failed"
    world.instagram.reject_with = "Error: The video's aspect ratio is not supported (2207026)"

    report = world.run()

    assert report.error is None
    pubs = world.publications()
    assert pubs[TIKTOK].status is PublicationStatus.FAILED and "duration_check_failed" in (
        pubs[TIKTOK].error or ""
    )
    assert pubs[INSTAGRAM].status is PublicationStatus.FAILED and "aspect ratio" in (
        pubs[INSTAGRAM].error or ""
    )
    requests = len(world.tiktok.uploads), len(world.instagram.containers)
    world.run()
    assert (len(world.tiktok.uploads), len(world.instagram.containers)) == requests


@SQLITE_ONLY
def test_instagram_publishing_limit_defers_instagram_until_the_window_moved(
    world: World, clock: FakeClock
) -> None:
    world.instagram.posts_in_window = world.instagram.quota_total

    report = world.run()

    assert isinstance(report.error, DeferredError) and report.error.retry_after_s == 86400
    assert statuses(world)[INSTAGRAM] is PublicationStatus.DEFERRED
    assert world.posts() == {YOUTUBE: 1, TIKTOK: 1, INSTAGRAM: 0}
    assert len(world.instagram.containers) == 1

    clock.advance(hours=24)  # the window moved past every post it counted; the container expired meanwhile
    world.instagram.reset_quota()
    (container,) = world.instagram.containers
    world.instagram.expire(container)
    done = world.run()

    assert done.error is None, done.summary
    assert world.posts() == dict.fromkeys(ALL_TARGETS, 1)
    assert world.publications()[INSTAGRAM].remote_id != container  # a fresh container was published


@SQLITE_ONLY
def test_a_platform_outage_is_transient_and_keeps_what_is_known(world: World) -> None:
    world.holds[TIKTOK].app = lambda request: Reply(503)  # TikTok is down for this attempt

    report = world.run()

    assert isinstance(report.error, TransientError)
    assert statuses(world)[TIKTOK] is PublicationStatus.PENDING
    assert statuses(world)[YOUTUBE] is statuses(world)[INSTAGRAM] is PublicationStatus.PUBLISHED


@pytest.mark.parametrize(
    ("size", "chunk", "expected"),
    [
        (4 * MB, 10 * MB, (4 * MB, [(0, 4 * MB - 1)])),  # under 5 MB: one whole chunk
        (12 * MB, 5 * MB, (5 * MB, [(0, 5 * MB - 1), (5 * MB, 12 * MB - 1)])),  # trailing bytes in the last
        (12 * MB, 1 * MB, (5 * MB, [(0, 5 * MB - 1), (5 * MB, 12 * MB - 1)])),  # clamped up to 5 MB
        (
            200 * MB,
            100 * MB,
            (64 * MB, [(0, 64 * MB - 1), (64 * MB, 128 * MB - 1), (128 * MB, 200 * MB - 1)]),
        ),
    ],
)
def test_tiktok_chunking_follows_the_media_transfer_rules(
    size: int, chunk: int, expected: tuple[int, list[tuple[int, int]]]
) -> None:
    assert chunks(size, chunk) == expected


@SQLITE_ONLY
def test_a_video_over_5_mb_is_uploaded_to_tiktok_in_ordered_chunks(world: World) -> None:
    video = world.paths.output_mp4
    with video.open("ab") as handle:  # a top-level "free" box keeps it a valid MP4
        padding = 11 * MB
        handle.write((padding).to_bytes(4, "big") + b"free" + bytes(padding - 8))
    assert media_duration(video) > 0.5
    world.overrides["tiktok_chunk_size"] = 5 * MB
    world.overrides["publish_poll_timeout_s"] = 60

    report = world.run()

    assert report.error is None, report.summary
    size = video.stat().st_size
    puts = world.servers[TIKTOK].matching("PUT", "/upload/")
    assert [r.headers["content-range"] for r in puts] == [
        f"bytes 0-{5 * MB - 1}/{size}",
        f"bytes {5 * MB}-{size - 1}/{size}",
    ]
    (upload,) = world.tiktok.uploads.values()
    assert (upload.chunk_size, upload.total_chunk_count) == (5 * MB, 2)
    assert bytes(upload.data) == video.read_bytes()


@SQLITE_ONLY
def test_instagram_fetches_a_local_storage_video_from_the_apis_signed_link(
    tmp_path: Path, db_url: str, mp4: Path, clock: FakeClock
) -> None:
    with (
        open_world(tmp_path, db_url, str(tmp_path / "storage"), mp4, clock) as world,
        serving(create_app(world.settings, engine_url=db_url)) as base_url,
    ):
        world.overrides["public_base_url"] = base_url
        report = world.run()
        link = world.instagram.fetched_urls[0]
        assert link.startswith(f"{base_url}/api/v1/published-videos/{world.task.task_id}?exp=")
        assert httpx.get(link.replace("sig=", "sig=x")).status_code == 403
        assert httpx.get(link.replace(world.task.task_id, "t-other")).status_code == 403

    assert report.error is None, report.summary
    assert world.instagram.fetched == [mp4.stat().st_size]
    assert statuses(world)[INSTAGRAM] is PublicationStatus.PUBLISHED


@SQLITE_ONLY
def test_without_a_public_url_a_local_storage_video_cannot_go_to_instagram(
    tmp_path: Path, db_url: str, mp4: Path, clock: FakeClock
) -> None:
    with open_world(tmp_path, db_url, str(tmp_path / "storage"), mp4, clock) as world:
        report = world.run()

    assert report.error is None  # YouTube and TikTok published; Instagram failed with the reason
    assert statuses(world)[INSTAGRAM] is PublicationStatus.FAILED
    assert "MEDIA_PIPELINE_PUBLIC_BASE_URL" in (world.publications()[INSTAGRAM].error or "")
    assert world.posts() == {YOUTUBE: 1, TIKTOK: 1, INSTAGRAM: 0}


@SQLITE_ONLY
def test_a_refused_tiktok_refresh_asks_for_a_reconnect(world: World, clock: FakeClock) -> None:
    world.tiktok.revoke_all()
    clock.advance(hours=21)  # the access token is about to expire: it is refreshed first, and refused

    report = world.run()

    assert report.error is None
    assert "invalid_grant" in (world.publications()[TIKTOK].error or "")
    assert connection_states(world)[TIKTOK] is ConnectionStatus.RECONNECT
    assert world.posts() == {YOUTUBE: 1, TIKTOK: 0, INSTAGRAM: 1}


@SQLITE_ONLY
def test_the_tasks_privacy_and_interactions_shape_the_tiktok_post(world: World) -> None:
    settings = world.task.settings.model_copy(
        update={"privacy": Privacy.PRIVATE, "interactions": InteractionSettings(comments=False, duet=True)}
    )
    world.task = world.task.model_copy(update={"settings": settings})

    assert world.run().error is None

    (upload,) = world.tiktok.uploads.values()
    assert upload.post_info["privacy_level"] == "SELF_ONLY"
    assert (upload.post_info["disable_comment"], upload.post_info["disable_duet"]) == (True, False)

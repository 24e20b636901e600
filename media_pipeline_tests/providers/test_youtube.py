"""YouTubePublisher against a loopback fake of the YouTube Data API (resumable upload protocol)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from media_pipeline.domain import TaskPaths
from media_pipeline.errors import DeferredError, ProviderNotConfiguredError
from media_pipeline.providers.base import PublishInput
from media_pipeline.providers.publish_local import LocalFolderPublisher
from media_pipeline.providers.publishers import build_publisher as build
from media_pipeline.providers.retry import Backoff
from media_pipeline.providers.youtube import YouTubePublisher
from media_pipeline.providers.youtube_record import UploadRecord
from media_pipeline.settings import Settings
from media_pipeline.storage import LocalStorage
from media_pipeline_tests.providers.fake_youtube import (
    THUMBNAIL_PATH,
    VIDEO_UPLOAD_PATH,
    FakeYouTube,
    google_error,
)
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply
from media_pipeline_tests.providers.helpers import image_bytes, make_script, make_task, write_token

CHUNK = 256 * 1024
VIDEO_SIZE = 2 * CHUNK + 123_456  # three chunks
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@dataclass
class Env:
    fake: FakeYouTube
    server: FakeServer
    settings: Settings
    files: PublishInput
    paths: TaskPaths
    sleeps: list[float]

    def publisher(self) -> YouTubePublisher:
        backoff = Backoff(attempts=4, sleep=self.sleeps.append, rand=lambda: 0.0)
        return YouTubePublisher(self.settings, backoff=backoff, clock=lambda: NOW)

    def publish(self, **task_settings: Any) -> Any:
        task = make_task(**task_settings)
        return self.publisher().publish(task, make_script(task), self.files, self.paths)

    def sessions_started(self) -> int:
        return len(self.server.matching("POST", VIDEO_UPLOAD_PATH))

    def record(self) -> dict[str, Any]:
        return json.loads(UploadRecord.path(self.paths).read_text())


@pytest.fixture
def env(
    tmp_path: Path, make_settings: Callable[..., Settings], paths: TaskPaths, sleeps: list[float]
) -> Iterator[Env]:
    fake = FakeYouTube()
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        token = write_token(tmp_path / "token.json", f"{server.base_url}/token")
        settings = make_settings(
            publisher="youtube",
            youtube_token_file=token,
            youtube_api_base_url=server.base_url,
            youtube_token_uri=f"{server.base_url}/token",
            youtube_chunk_size=CHUNK,
        )
        paths.dir.mkdir(parents=True)
        video = paths.output_mp4
        video.write_bytes(os.urandom(VIDEO_SIZE))
        paths.thumbnail_jpg.write_bytes(image_bytes("JPEG", (128, 72)))
        files = PublishInput(
            video=video, thumbnail=paths.thumbnail_jpg, subtitles=paths.subtitles_srt, story=paths.story_json
        )
        yield Env(fake, server, settings, files, paths, sleeps)


def uploaded_bytes(env: Env) -> bytes:
    (session,) = env.fake.sessions.values()
    return bytes(session.data)


def test_full_resumable_upload_sets_metadata_and_thumbnail(env: Env) -> None:
    result = env.publish(privacy="unlisted", tags=["extra"])

    assert env.sessions_started() == 1
    (start,) = env.server.matching("POST", VIDEO_UPLOAD_PATH)
    assert start.query["uploadType"] == "resumable" and start.query["part"] == "snippet,status"
    assert start.headers["x-upload-content-length"] == str(VIDEO_SIZE)
    assert start.headers["x-upload-content-type"] == "video/mp4"
    puts = env.server.matching("PUT", VIDEO_UPLOAD_PATH)
    assert [p.headers["content-range"] for p in puts] == [
        f"bytes 0-{CHUNK - 1}/{VIDEO_SIZE}",
        f"bytes {CHUNK}-{2 * CHUNK - 1}/{VIDEO_SIZE}",
        f"bytes {2 * CHUNK}-{VIDEO_SIZE - 1}/{VIDEO_SIZE}",
    ]
    assert uploaded_bytes(env) == env.files.video.read_bytes()

    (video_id,) = env.fake.videos
    video = env.fake.videos[video_id]
    marker = "media_pipeline:task-1:1"
    assert video["snippet"]["title"] == "Test video"
    assert video["snippet"]["description"].endswith(marker)
    assert video["snippet"]["tags"][0] == marker and "extra" in video["snippet"]["tags"]
    assert video["snippet"]["categoryId"] == "22"
    assert video["snippet"]["defaultLanguage"] == video["snippet"]["defaultAudioLanguage"] == "en"
    assert video["status"]["privacyStatus"] == "unlisted"
    assert video["status"]["selfDeclaredMadeForKids"] is False
    assert video["status"]["containsSyntheticMedia"] is False  # local images, espeak-ng voice
    assert "publishAt" not in video["status"]

    mime, data = env.fake.thumbnails[video_id]
    assert mime == "image/jpeg" and data == env.files.thumbnail.read_bytes()
    assert result.uploaded_to_youtube and result.target == "youtube"
    assert result.video_id == video_id and result.url == f"https://www.youtube.com/watch?v={video_id}"
    assert env.record() | {"updated_at": None} == {
        "marker": marker,
        "video_size": VIDEO_SIZE,
        "session_uri": env.record()["session_uri"],
        "video_id": video_id,
        "thumbnail_set": True,
        "updated_at": None,
    }


def test_publish_at_forces_private_and_rfc3339_utc(env: Env) -> None:
    when = (NOW + timedelta(days=2)).astimezone(UTC).replace(microsecond=0)
    env.publish(privacy="public", publishAt=when.isoformat())

    (start,) = env.server.matching("POST", VIDEO_UPLOAD_PATH)
    status = start.json()["status"]
    assert status["privacyStatus"] == "private"
    assert status["publishAt"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_policy_flags_follow_the_task(env: Env) -> None:
    env.publish(madeForKids=True, voice="openai:alloy")

    (start,) = env.server.matching("POST", VIDEO_UPLOAD_PATH)
    status = start.json()["status"]
    assert status["selfDeclaredMadeForKids"] is True and status["containsSyntheticMedia"] is True


def test_fake_rejects_an_upload_without_policy_flags(env: Env) -> None:
    metadata = {
        "snippet": {"title": "t"},
        "status": {"privacyStatus": "private", "selfDeclaredMadeForKids": False},
    }
    answer = httpx.post(
        f"{env.server.base_url}{VIDEO_UPLOAD_PATH}",
        params={"uploadType": "resumable", "part": "snippet,status"},
        headers={"Authorization": "Bearer valid-token", "X-Upload-Content-Length": "10"},
        json=metadata,
    )
    assert answer.status_code == 400 and "containsSyntheticMedia" in answer.text
    assert env.fake.sessions == {}


def test_503_mid_upload_resumes_the_same_session(env: Env) -> None:
    env.fake.fail("PUT", VIDEO_UPLOAD_PATH, google_error(503, "backendError"), skip=1)

    result = env.publish()

    assert env.sessions_started() == 1
    assert env.fake.status_queries == 1
    assert env.fake.accepted_ranges == [(0, CHUNK - 1), (CHUNK, 2 * CHUNK - 1), (2 * CHUNK, VIDEO_SIZE - 1)]
    assert uploaded_bytes(env) == env.files.video.read_bytes()
    assert len(env.fake.videos) == 1 and result.video_id in env.fake.videos
    assert env.sleeps == [1.0]


def test_dropped_connections_mid_upload_resume_the_same_session(env: Env) -> None:
    # httplib2 silently re-sends once on a dropped connection; the second drop reaches the publisher.
    env.fake.fail("PUT", VIDEO_UPLOAD_PATH, Reply(drop=True), skip=2)
    env.fake.fail("PUT", VIDEO_UPLOAD_PATH, Reply(drop=True))

    env.publish()

    assert env.sessions_started() == 1
    assert env.sleeps == [1.0] and env.fake.status_queries == 1
    assert uploaded_bytes(env) == env.files.video.read_bytes()
    assert len(env.fake.videos) == 1


def test_quota_exceeded_defers_until_reset_and_loses_nothing(env: Env) -> None:
    env.fake.fail(
        "POST", VIDEO_UPLOAD_PATH, google_error(403, "quotaExceeded", "The request cannot be completed")
    )

    with pytest.raises(DeferredError) as caught:
        env.publish()

    # 12:00 UTC is 04:00 in Los Angeles (PST): 20 h to midnight, plus the margin.
    assert caught.value.retry_after_s == pytest.approx(20 * 3600 + 300)
    assert "quota" in str(caught.value)
    assert env.fake.videos == {}
    assert env.record()["marker"] == "media_pipeline:task-1:1" and env.record()["video_id"] is None

    result = env.publish()
    assert list(env.fake.videos) == [result.video_id]


def test_rate_limit_defers_briefly(env: Env) -> None:
    env.fake.fail("POST", VIDEO_UPLOAD_PATH, google_error(403, "userRateLimitExceeded"))

    with pytest.raises(DeferredError) as caught:
        env.publish()

    assert 0 < caught.value.retry_after_s <= 3600


def test_crash_after_upload_adopts_the_finished_session(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    original = YouTubePublisher._remember_video

    def crash(self: YouTubePublisher, *args: Any) -> str:
        raise KeyboardInterrupt("worker killed before recording the video id")

    monkeypatch.setattr(YouTubePublisher, "_remember_video", crash)
    with pytest.raises(KeyboardInterrupt):
        env.publish()
    assert len(env.fake.videos) == 1 and env.record()["video_id"] is None
    assert env.record()["session_uri"]

    monkeypatch.setattr(YouTubePublisher, "_remember_video", original)
    result = env.publish()

    assert env.sessions_started() == 1
    assert env.fake.status_queries == 1
    assert list(env.fake.videos) == [result.video_id]
    assert "finished by an earlier attempt" in result.detail


def test_interrupted_session_is_resumed_by_the_next_attempt(env: Env) -> None:
    env.fake.fail(
        "PUT", VIDEO_UPLOAD_PATH, Reply.json({"error": {"code": 400, "message": "bad"}}, 400), skip=1
    )
    with pytest.raises(Exception, match="400"):
        env.publish()
    assert env.fake.accepted_ranges == [(0, CHUNK - 1)]

    result = env.publish()

    assert env.sessions_started() == 1
    assert env.fake.accepted_ranges[1:] == [(CHUNK, 2 * CHUNK - 1), (2 * CHUNK, VIDEO_SIZE - 1)]
    assert uploaded_bytes(env) == env.files.video.read_bytes()
    assert "resumed" in result.detail


def test_marker_found_on_channel_means_no_upload(env: Env) -> None:
    env.fake.add_video("unrelated media_pipeline:task-1:12")
    existing = env.fake.add_video("Earlier run\n\nmedia_pipeline:task-1:1")

    result = env.publish()

    assert env.sessions_started() == 0
    assert result.video_id == existing
    assert env.fake.thumbnails[existing][0] == "image/jpeg"
    assert env.record()["video_id"] == existing


def test_recorded_video_id_skips_upload_and_redoes_only_the_thumbnail(env: Env) -> None:
    env.fake.fail("POST", THUMBNAIL_PATH, google_error(403, "quotaExceeded"))
    with pytest.raises(DeferredError):
        env.publish()
    (video_id,) = env.fake.videos
    assert env.record()["video_id"] == video_id and not env.record()["thumbnail_set"]

    env.publish()

    assert env.sessions_started() == 1
    assert video_id in env.fake.thumbnails
    assert len(env.server.matching("GET", "/youtube/v3/channels")) == 1


def test_expired_token_is_refreshed_against_the_token_endpoint(env: Env) -> None:
    token_file = env.settings.youtube_token_file
    assert token_file is not None
    write_token(token_file, f"{env.server.base_url}/token", token=None)

    env.publish()

    assert env.fake.token_requests == 1
    saved = json.loads(token_file.read_text())
    assert saved["token"] == "fresh-token-1" and saved["refresh_token"] == "refresh-1"
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"
    api_calls = [r for r in env.server.requests if r.path != "/token"]
    assert api_calls and all(r.headers["authorization"] == "Bearer fresh-token-1" for r in api_calls)


def test_build_publisher_choices(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "storage")

    def build_publisher(settings: Settings) -> object:
        return build(settings, storage)

    assert isinstance(build_publisher(make_settings(publisher="auto")), LocalFolderPublisher)
    assert isinstance(build_publisher(make_settings(publisher="local")), LocalFolderPublisher)
    missing = tmp_path / "missing.json"
    with pytest.raises(ProviderNotConfiguredError, match="youtube-auth"):
        build_publisher(make_settings(publisher="youtube", youtube_token_file=missing))
    assert isinstance(
        build_publisher(make_settings(publisher="auto", youtube_token_file=missing)), LocalFolderPublisher
    )
    token = write_token(tmp_path / "token.json", "http://127.0.0.1:9/token")
    assert isinstance(
        build_publisher(make_settings(publisher="auto", youtube_token_file=token)), YouTubePublisher
    )
    with pytest.raises(ProviderNotConfiguredError):
        build_publisher(make_settings(publisher="ftp"))


def test_a_channel_setting_publishes_with_its_own_token(env: Env, tmp_path: Path) -> None:
    channel = "c0123456789ab"
    storage = LocalStorage(tmp_path / "storage")
    with pytest.raises(ProviderNotConfiguredError, match=f"youtube-auth --channel {channel}"):
        build(env.settings, storage, channel)
    token = env.settings.channel_token_file(channel)
    token.parent.mkdir(parents=True)
    write_token(token, f"{env.server.base_url}/token", token="channel-token")
    default_token = env.settings.youtube_token_file
    assert default_token is not None
    before = default_token.read_text()
    task = make_task(privacy="unlisted")
    result = build(env.settings, storage, channel).publish(task, make_script(task), env.files, env.paths)
    assert result.uploaded_to_youtube
    api_calls = [r for r in env.server.requests if r.path != "/token"]
    assert api_calls[0].headers["authorization"] == "Bearer channel-token"  # the fake then rotates it
    assert all(r.headers["authorization"] != "Bearer valid-token" for r in api_calls)
    assert json.loads(token.read_text())["token"] != "channel-token" and default_token.read_text() == before

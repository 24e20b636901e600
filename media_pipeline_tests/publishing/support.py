"""A publishing world for the tests: the loopback fakes of YouTube (and its Analytics), TikTok and Instagram,
a real app DB with a task and a channel setting that publishes to all three (tokens encrypted), the task
storage on the loopback S3 server (Instagram fetches the presigned video URL) or a local folder, and a real
MP4 from ffmpeg."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from media_pipeline.domain import Script, TaskPaths, TaskSpec
from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.providers.base import PublishInput
from media_pipeline.providers.publishers import build_publisher
from media_pipeline.providers.social_tokens import SocialToken, SocialTokenFile
from media_pipeline.providers.token_cipher import require_cipher
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import STAGES, ChannelService, Owner, PipelineState, QueueService
from media_pipeline.store.publications import Publications
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline.usecases_publish import Publishing, PublishReport, PublishRequest
from media_pipeline_tests.providers.fake_instagram import FakeInstagram
from media_pipeline_tests.providers.fake_tiktok import FakeTikTok
from media_pipeline_tests.providers.fake_youtube import VIDEO_UPLOAD_PATH
from media_pipeline_tests.providers.fake_youtube_analytics import FakeYouTubeAnalytics
from media_pipeline_tests.providers.fakeserver import App, FakeServer, Recorded, Reply
from media_pipeline_tests.providers.helpers import image_bytes, make_script, write_token
from media_pipeline_tests.store.support import finish_stages

OWNER = Owner(user_id="user-1", workspace_id="ws-1")
ALL_TARGETS = [PublishTarget.YOUTUBE, PublishTarget.TIKTOK, PublishTarget.INSTAGRAM]
TIKTOK_SCOPE = "user.info.basic,video.publish,video.list"
SRT = "1\n00:00:00,000 --> 00:00:01,000\nCats at home\n"


def make_mp4(path: Path, seconds: float = 1.0) -> Path:
    """A real vertical H.264/AAC MP4 (faststart), as the video stage makes them, only smaller."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-y"),
            *("-f", "lavfi", "-i", f"testsrc=size=180x320:rate=30:duration={seconds}"),
            *("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            *("-shortest", "-movflags", "+faststart", str(path)),
        ],
        check=True,
    )
    return path


class HoldAfterPost:
    """Wraps a fake: once ``is_post`` says a reply made a post, the next request waits for ``release`` and
    then loses its connection, so the client sits right after its publish call (where a test kills it)."""

    def __init__(self, app: App, is_post: Callable[[Recorded, Reply], bool]) -> None:
        self.app = app
        self.is_post = is_post
        self.armed = False
        self.posted = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: Recorded) -> Reply:
        if self.armed and self.posted.is_set() and not self.release.is_set():
            self.release.wait(60)
            return Reply(drop=True)
        reply = self.app(request)
        if self.armed and self.is_post(request, reply):
            self.posted.set()
        return reply


IS_POST: dict[PublishTarget, Callable[[Recorded, Reply], bool]] = {
    PublishTarget.YOUTUBE: lambda q, r: (
        q.method == "PUT" and q.path == VIDEO_UPLOAD_PATH and r.status in (200, 201)
    ),
    PublishTarget.TIKTOK: lambda q, r: (
        q.method == "PUT" and q.path.startswith("/upload/") and r.status == 201
    ),
    PublishTarget.INSTAGRAM: lambda q, r: q.path.endswith("/media_publish") and r.status == 200,
}


@dataclass
class World:
    """Everything one publishing test needs; ``run`` is one publish attempt (a fresh worker's)."""

    overrides: dict[str, Any]
    db_url: str
    task: TaskSpec
    script: Script
    paths: TaskPaths
    channel_id: str
    youtube: FakeYouTubeAnalytics
    tiktok: FakeTikTok
    instagram: FakeInstagram
    holds: dict[PublishTarget, HoldAfterPost]
    servers: dict[PublishTarget, FakeServer]
    clock: Callable[[], datetime]

    @property
    def settings(self) -> Settings:
        return Settings(**self.overrides)

    def request(self) -> PublishRequest:
        files = PublishInput(
            video=self.paths.output_mp4,
            thumbnail=self.paths.thumbnail_jpg,
            subtitles=self.paths.subtitles_srt,
            story=self.paths.story_json,
        )
        video_key = TaskPaths.keys(self.task.task_id).output_mp4.as_posix()
        return PublishRequest(self.task, self.script, files, self.paths, video_key, self.channel_id)

    def run(self) -> PublishReport:
        return publishing(self.settings, self.db_url, self.clock).run(self.request())

    def publications(self) -> dict[PublishTarget, Publication]:
        book = Publications(self.db_url)
        return {pub.target: pub for pub in book.for_task(self.task.task_id)}

    def posts(self) -> dict[PublishTarget, int]:
        return {
            PublishTarget.YOUTUBE: len(self.youtube.videos),
            PublishTarget.TIKTOK: len(self.tiktok.posts),
            PublishTarget.INSTAGRAM: len(self.instagram.posts),
        }

    def child_config(self) -> dict[str, Any]:
        """What ``child.py`` needs to make the same attempt in another process."""
        return {
            "settings": self.overrides,
            "db_url": self.db_url,
            "task": self.task.model_dump(mode="json", by_alias=True),
            "script": self.script.model_dump(mode="json"),
            "root": str(self.paths.root),
            "channel_id": self.channel_id,
            "now": self.clock().isoformat(),
        }


def publishing(settings: Settings, db_url: str, clock: Callable[[], datetime]) -> Publishing:
    """The publish stage's ``Publishing`` as the asset builds it."""
    storage = open_storage(settings)
    return Publishing(settings, storage, db_url, lambda c: build_publisher(settings, storage, c), clock=clock)


def request_from_config(config: dict[str, Any]) -> tuple[Settings, PublishRequest]:
    """The settings and publish request of :meth:`World.child_config`."""
    task = TaskSpec.model_validate(config["task"])
    paths = TaskPaths(Path(config["root"]), task.task_id)
    files = PublishInput(
        video=paths.output_mp4,
        thumbnail=paths.thumbnail_jpg,
        subtitles=paths.subtitles_srt,
        story=paths.story_json,
    )
    video_key = TaskPaths.keys(task.task_id).output_mp4.as_posix()
    request = PublishRequest(
        task, Script.model_validate(config["script"]), files, paths, video_key, config["channel_id"]
    )
    return Settings(**config["settings"]), request


@contextmanager
def open_world(
    tmp_path: Path, db_url: str, storage_url: str, video: Path, clock: Callable[[], datetime]
) -> Iterator[World]:
    """Fakes served on loopback, the task and its channel in the DB, tokens and files in place."""
    youtube, tiktok, instagram = FakeYouTubeAnalytics(), FakeTikTok(), FakeInstagram()
    holds = {
        target: HoldAfterPost(app, IS_POST[target])
        for target, app in zip(ALL_TARGETS, (youtube, tiktok, instagram), strict=True)
    }
    with ExitStack() as stack:
        servers = {target: stack.enter_context(FakeServer(holds[target])) for target in ALL_TARGETS}
        yt_url, tt_url, ig_url = (servers[target].base_url for target in ALL_TARGETS)
        youtube.base_url, tiktok.base_url = yt_url, tt_url
        overrides: dict[str, Any] = {
            "data_dir": str(tmp_path / "var"),
            "storage_url": storage_url,
            "youtube_channels_dir": str(tmp_path / "channels"),
            "youtube_api_base_url": yt_url,
            "youtube_analytics_base_url": yt_url,
            "youtube_token_uri": f"{yt_url}/token",
            "token_encryption_key": Fernet.generate_key().decode(),
            "tiktok_client_key": tiktok.client_key,
            "tiktok_client_secret": tiktok.client_secret,
            "tiktok_api_base_url": tt_url,
            "instagram_graph_url": f"{ig_url}/v21.0",
            "publish_poll_interval_s": 0.02,
            "publish_poll_timeout_s": 20,
        }
        settings = Settings(**overrides)
        queue = QueueService(db_url, OWNER, settings=settings)
        version = queue.list_drafts().version
        (row,) = queue.add_assets(
            ["asset-0"], {"privacy": "public", "tags": ["cats", "daily life"]}, version
        ).tasks
        channel = ChannelService(db_url, OWNER, token_file=settings.channel_token_file).create(
            "Main", "UCfake"
        )
        connections = PublishConnections(db_url)
        connections.set_targets(channel.id, ALL_TARGETS)
        connections.connect(channel.id, PublishTarget.TIKTOK, "open-fake", "fakecreator")
        connections.connect(channel.id, PublishTarget.INSTAGRAM, instagram.user_id, "fakeig")
        _write_tokens(settings, channel.id, instagram.user_id, clock())
        tiktok.issue()
        task = TaskSpec(
            task_id=row.id,
            title="Cats at home",
            settings={"privacy": "public", "tags": ["cats"], "language": "en", "imageCount": 3},
        )
        script = make_script(task).model_copy(update={"tags": ["cats", "daily life"]})
        paths = TaskPaths(tmp_path / "work", task.task_id)
        paths.dir.mkdir(parents=True)
        paths.output_mp4.write_bytes(video.read_bytes())
        paths.thumbnail_jpg.write_bytes(image_bytes("JPEG", (128, 72)))
        open_storage(settings).upload(paths.output_mp4, TaskPaths.keys(task.task_id).output_mp4.as_posix())
        yield World(
            overrides,
            db_url,
            task,
            script,
            paths,
            channel.id,
            youtube,
            tiktok,
            instagram,
            holds,
            servers,
            clock,
        )


def at_the_publish_stage(world: World, settings: Settings) -> PipelineState:
    """Queue the world's task, complete its earlier stages and put the publish stage's inputs in storage."""
    ChannelService(world.db_url, OWNER, token_file=settings.channel_token_file).set_default(world.channel_id)
    queue = QueueService(world.db_url, OWNER, settings=settings)
    queue.run(queue.list_drafts().version, ids=[world.task.task_id])
    state = PipelineState(world.db_url)
    finish_stages(state, world.task.task_id, STAGES[:-1])
    world.paths.story_json.write_text(world.script.model_dump_json())
    world.paths.subtitles_srt.write_text(SRT)
    storage, keys = open_storage(settings), TaskPaths.keys(world.task.task_id)
    for local, key in (
        (world.paths.story_json, keys.story_json),
        (world.paths.subtitles_srt, keys.subtitles_srt),
        (world.paths.thumbnail_jpg, keys.thumbnail_jpg),
    ):
        storage.upload(local, key.as_posix())
    return state


def _write_tokens(settings: Settings, channel_id: str, ig_user: str, now: datetime) -> None:
    settings.channel_token_file(channel_id).parent.mkdir(parents=True)
    write_token(settings.channel_token_file(channel_id), f"{settings.youtube_api_base_url}/token")
    cipher = require_cipher(settings)
    tokens = {
        PublishTarget.TIKTOK: SocialToken(
            access_token="tt-access",
            refresh_token="tt-refresh",
            expires_at=now + timedelta(hours=20),
            account_id="open-fake",
            account_name="fakecreator",
            scope=TIKTOK_SCOPE,
        ),
        PublishTarget.INSTAGRAM: SocialToken(
            access_token="ig-access",
            expires_at=now + timedelta(days=50),
            account_id=ig_user,
            account_name="fakeig",
        ),
    }
    for target, token in tokens.items():
        SocialTokenFile(settings.target_token_file(channel_id, target.value), cipher, target.value).save(
            token
        )


def write_config(world: World, path: Path) -> Path:
    """The child's config file."""
    path.write_text(json.dumps(world.child_config()))
    return path

"""Connecting a channel against the loopback FakeYouTube (OAuth + Data API): the settings that point the
app at it, the browser's part of the flow (without a browser) and an upload through the channel's token."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from cryptography.fernet import Fernet

from media_pipeline.domain import TaskPaths
from media_pipeline.providers.base import PublishInput, PublishResult
from media_pipeline.providers.publishers import build_publisher
from media_pipeline.settings import Settings
from media_pipeline.storage import LocalStorage
from media_pipeline_tests.providers.fake_youtube import FakeYouTube
from media_pipeline_tests.providers.helpers import TASK_ID, image_bytes, make_script, make_task

CONNECT = "/api/channels/connect"


def oauth_settings(fake: FakeYouTube, folder: Path) -> dict[str, Any]:
    """Settings fields pointing the OAuth flow, channels.list, revocation and uploads at ``fake`` (a "Web
    application" client secrets file is written to ``folder``), with a fresh encryption key."""
    secrets = folder / "client_secret.json"
    client = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "auth_uri": f"{fake.base_url}/auth",
        "token_uri": f"{fake.base_url}/token",
    }
    secrets.write_text(json.dumps({"web": client}), encoding="utf-8")
    return {
        "youtube_client_secrets_file": secrets,
        "youtube_api_base_url": fake.base_url,
        "youtube_revoke_uri": f"{fake.base_url}/revoke",
        "token_encryption_key": Fernet.generate_key().decode(),
        "youtube_chunk_size": 256 * 1024,
    }


def consent(authorization_url: str) -> str:
    """What the browser does at Google: open the consent URL; the URL it is redirected back to."""
    response = httpx.get(authorization_url, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def query_of(url: str) -> dict[str, str]:
    """The query parameters of ``url`` (or of its fragment's ``?...`` part), last value each."""
    parts = urlsplit(url)
    query = parts.query or parts.fragment.partition("?")[2]
    return {key: values[-1] for key, values in parse_qs(query).items()}


def connect(client: httpx.Client) -> dict[str, str]:
    """Run the whole flow as the signed-in ``client`` (whose cookie jar plays the browser's); the query of
    the console URL the callback redirects to (``connected`` or ``error``)."""
    start = client.post(CONNECT)
    assert start.status_code == 200, start.text
    callback = client.get(consent(start.json()["authorizationUrl"]))
    assert callback.status_code == 303, callback.text
    return query_of(callback.headers["location"])


def publish_to_channel(settings: Settings, root: Path, channel_setting_id: str | None) -> PublishResult:
    """Upload a small video the way the publish stage does for a task naming ``channel_setting_id``."""
    paths = TaskPaths(root=root, task_id=TASK_ID)
    paths.dir.mkdir(parents=True, exist_ok=True)
    paths.output_mp4.write_bytes(os.urandom(300_000))
    paths.thumbnail_jpg.write_bytes(image_bytes("JPEG", (128, 72)))
    files = PublishInput(
        video=paths.output_mp4,
        thumbnail=paths.thumbnail_jpg,
        subtitles=paths.subtitles_srt,
        story=paths.story_json,
    )
    publisher = build_publisher(settings, LocalStorage(root), channel_setting_id)
    task = make_task(privacy="private")
    return publisher.publish(task, make_script(task), files, paths)

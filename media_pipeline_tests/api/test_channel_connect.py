"""Connecting YouTube channels over HTTP against the loopback FakeYouTube (real OAuth 2.0 web-server flow
with PKCE): the channel is listed with its title, its refresh token is stored encrypted and never logged,
an upload goes to it, it can be the default and disconnected (token revoked, deleted); tampered, reused,
expired, foreign-browser and denied callbacks are refused; other workspaces get 404."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import update

from media_pipeline.providers.token_cipher import token_cipher
from media_pipeline.providers.youtube_auth import read_token_file
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, make_engine
from media_pipeline.store.account_models import OAuthState
from media_pipeline.store.clock import utcnow
from media_pipeline.store.pipeline_state import PipelineState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.providers.fake_youtube import FakeYouTube
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.oauth_support import (
    CONNECT,
    connect,
    consent,
    oauth_settings,
    publish_to_channel,
    query_of,
)

ADMIN_SCOPES = ("read", "write", "admin")


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    fake = FakeYouTube(channel_title="Cooking with Mina")
    with FakeServer(fake) as server:
        fake.base_url = server.base_url
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http on loopback
        yield fake


@pytest.fixture
def api_settings(api_settings: Settings, youtube: FakeYouTube, tmp_path: Path) -> Settings:
    fields = oauth_settings(youtube, tmp_path)
    fields["token_encryption_key"] = SecretStr(fields["token_encryption_key"])
    return api_settings.model_copy(update=fields)


@pytest.fixture
def admin(api: LiveApi, owner: Owner) -> Iterator[httpx.Client]:
    """``owner`` with a token granting ``admin`` (the audit log); its cookie jar plays the browser."""
    headers = {"Authorization": f"Bearer {api.token(owner, scopes=ADMIN_SCOPES)}"}
    with httpx.Client(base_url=api.base_url, headers=headers, timeout=30) as http:
        yield http


def test_connect_list_upload_default_and_disconnect(
    api: LiveApi,
    admin: httpx.Client,
    youtube: FakeYouTube,
    owner: Owner,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    start = admin.post(CONNECT)
    consent_query = query_of(start.json()["authorizationUrl"])
    assert consent_query["code_challenge_method"] == "S256" and consent_query["access_type"] == "offline"
    assert consent_query["redirect_uri"] == f"{api.base_url}/api/channels/oauth/callback"
    cookie = start.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Path=/api/channels/oauth/callback" in cookie and "SameSite=lax" in cookie
    callback = admin.get(consent(start.json()["authorizationUrl"]))
    assert callback.status_code == 303
    channel_id = query_of(callback.headers["location"])["connected"]

    (channel,) = admin.get("/api/channels").json()["items"]
    assert (channel["id"], channel["name"], channel["youtubeChannelId"]) == (
        channel_id,
        "Cooking with Mina",
        "UCfake",
    )
    assert channel["authorized"] is True and channel["isDefault"] is True

    token_file = api.settings.channel_token_file(channel_id)
    stored = token_file.read_text()
    assert not stored.startswith("{") and youtube.refresh_token not in stored
    info = read_token_file(token_file, token_cipher(api.settings))
    assert info["refresh_token"] == youtube.refresh_token
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"

    result = publish_to_channel(api.settings, tmp_path / "storage", channel_id)
    (video_id,) = youtube.uploaded_with
    assert result.uploaded_to_youtube and result.video_id == video_id
    assert youtube.token_refresh_token[youtube.uploaded_with[video_id]] == youtube.refresh_token

    again = connect(admin)  # the same YouTube channel again: the same setting, renamed
    assert again == {"connected": channel_id}
    assert len(admin.get("/api/channels").json()["items"]) == 1
    default = admin.put(f"/api/channels/{channel_id}/default")
    assert default.status_code == 200 and default.json()["isDefault"] is True

    assert admin.delete(f"/api/channels/{channel_id}").status_code == 204
    assert youtube.revoked == [youtube.refresh_token]
    assert not token_file.exists()
    assert admin.get("/api/channels").json()["items"] == []

    audit = admin.get("/api/v1/admin/audit").json()["items"]
    assert [(e["action"], e["target"]) for e in reversed(audit)] == [
        ("channel.connect", channel_id),
        ("channel.connect", channel_id),
        ("channel.default", channel_id),
        ("channel.disconnect", channel_id),
    ]
    assert {e["actorId"] for e in audit} == {owner.user_id}
    for secret in (youtube.refresh_token, *youtube.token_refresh_token, stored):
        assert secret not in caplog.text
        assert secret not in str(audit)


def test_tasks_naming_no_channel_publish_to_the_default_one(
    api: LiveApi, admin: httpx.Client, owner: Owner
) -> None:
    queue = admin.get("/api/queue").json()
    added = admin.post(
        f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["a"], "version": queue["version"]}
    )
    task_id = added.json()["createdIds"][0]
    state = PipelineState(api.db_url)
    assert state.publish_channel(task_id, None) is None
    first = connect(admin)["connected"]
    assert state.publish_channel(task_id, None) == first


def test_tampered_reused_expired_foreign_and_denied_callbacks_are_refused(
    api: LiveApi, admin: httpx.Client, youtube: FakeYouTube, owner: Owner
) -> None:
    start = admin.post(CONNECT)
    back = consent(start.json()["authorizationUrl"])
    tampered = back.replace("state=", "state=x")
    assert _refusal(admin, tampered) == "OAUTH_STATE_INVALID"
    assert _refusal(admin, back) is None  # the real state still works once
    assert _refusal(admin, back) == "OAUTH_STATE_INVALID"  # ... and only once

    # A code already exchanged, with a fresh valid state: the token endpoint refuses it.
    used_code = query_of(back)["code"]
    fresh = consent(admin.post(CONNECT).json()["authorizationUrl"])
    replay = fresh.replace(f"code={query_of(fresh)['code']}", f"code={used_code}")
    assert _refusal(admin, replay) == "OAUTH_EXCHANGE_FAILED"

    # Another browser (no nonce cookie), even of the same user, cannot finish someone's flow; that state
    # is then spent.
    other_browser = consent(admin.post(CONNECT).json()["authorizationUrl"])
    with httpx.Client(timeout=30) as stranger:
        assert _refusal(stranger, other_browser) == "OAUTH_STATE_INVALID"
    assert _refusal(admin, other_browser) == "OAUTH_STATE_INVALID"

    expired = consent(admin.post(CONNECT).json()["authorizationUrl"])
    engine = make_engine(api.db_url)
    with engine.begin() as connection:
        connection.execute(update(OAuthState).values(expires_at=utcnow() - timedelta(seconds=1)))
    engine.dispose()
    assert _refusal(admin, expired) == "OAUTH_STATE_INVALID"

    youtube.deny_next()
    denied = consent(admin.post(CONNECT).json()["authorizationUrl"])
    assert _refusal(admin, denied) == "OAUTH_DENIED"
    assert _refusal(admin, f"{api.base_url}/api/channels/oauth/callback?code=x") == "OAUTH_STATE_INVALID"
    assert len(admin.get("/api/channels").json()["items"]) == 1
    actions = [e["action"] for e in admin.get("/api/v1/admin/audit").json()["items"]]
    assert actions == ["channel.connect"]


def test_other_workspaces_cannot_touch_a_channel(api: LiveApi, admin: httpx.Client) -> None:
    channel_id = connect(admin)["connected"]
    with api.client(Owner("user-9", "elsewhere")) as outsider:
        assert outsider.put(f"/api/channels/{channel_id}/default").status_code == 404
        assert outsider.delete(f"/api/channels/{channel_id}").status_code == 404
        assert outsider.get("/api/channels").json()["items"] == []
    with api.client(
        Owner("user-9", "elsewhere"),
    ) as reader:
        assert reader.post(CONNECT).status_code == 200
    assert api.settings.channel_token_file(channel_id).is_file()
    with httpx.Client(base_url=api.base_url, timeout=30) as anonymous:
        assert anonymous.post(CONNECT).status_code == 401


def _refusal(client: httpx.Client, callback_url: str) -> str | None:
    """The error code the callback redirects to the console with (None when it connected)."""
    response = client.get(callback_url)
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/#/channels?")
    return query_of(response.headers["location"]).get("error")

"""A channel setting's publish targets and its TikTok / Instagram accounts over HTTP, against the loopback
fakes of both platforms' OAuth endpoints: consent, callback, token stored encrypted and never logged, the
account listed ``connected``; a refused token shows ``reconnect`` until connected again; reused, foreign and
other-platform states are refused; bad targets are 422; other workspaces get 404."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.settings import Settings
from media_pipeline.store import Owner
from media_pipeline.store.publications import Publications
from media_pipeline.store.publish_connections import PublishConnections
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.providers.fake_instagram import FakeInstagram
from media_pipeline_tests.providers.fake_tiktok import FakeTikTok
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.oauth_support import query_of


@pytest.fixture
def fakes() -> Iterator[tuple[FakeTikTok, FakeInstagram, str, str]]:
    tiktok, instagram = FakeTikTok(), FakeInstagram()
    with FakeServer(tiktok) as tt, FakeServer(instagram) as ig:
        tiktok.base_url = tt.base_url
        yield tiktok, instagram, tt.base_url, ig.base_url


@pytest.fixture
def api_settings(
    api_settings: Settings, fakes: tuple[FakeTikTok, FakeInstagram, str, str], tmp_path: Path
) -> Settings:
    tiktok, instagram, tt_url, ig_url = fakes
    return api_settings.model_copy(
        update={
            "token_encryption_key": SecretStr(Fernet.generate_key().decode()),
            "youtube_channels_dir": tmp_path / "channels",
            "tiktok_client_key": tiktok.client_key,
            "tiktok_client_secret": SecretStr(tiktok.client_secret),
            "tiktok_api_base_url": tt_url,
            "tiktok_auth_uri": f"{tt_url}/v2/auth/authorize/",
            "instagram_app_id": instagram.app_id,
            "instagram_app_secret": SecretStr(instagram.app_secret),
            "instagram_graph_url": f"{ig_url}/v21.0",
            "instagram_token_uri": f"{ig_url}/oauth/access_token",
            "instagram_auth_uri": f"{ig_url}/oauth/authorize",
        }
    )


@pytest.fixture
def channel(client: httpx.Client) -> str:
    created = client.post("/api/channels", json={"name": "Main"})
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def start(client: httpx.Client, channel: str, target: str) -> dict[str, str]:
    answer = client.post(f"/api/channels/{channel}/connections/{target}")
    assert answer.status_code == 200, answer.text
    return query_of(answer.json()["authorizationUrl"])


def callback(client: httpx.Client, target: str, **query: str) -> dict[str, str]:
    answer = client.get(f"/api/channels/oauth/{target}/callback", params=query)
    assert answer.status_code == 303, answer.text
    return query_of(answer.headers["location"])


def test_targets_are_chosen_and_both_accounts_connect(
    api: LiveApi,
    client: httpx.Client,
    channel: str,
    fakes: tuple[FakeTikTok, FakeInstagram, str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    tiktok, instagram, _, _ = fakes
    assert client.get(f"/api/channels/{channel}/targets").json() == {
        "targets": ["youtube"],
        "connections": [],
    }
    chosen = client.put(
        f"/api/channels/{channel}/targets", json={"targets": ["youtube", "tiktok", "instagram"]}
    )
    assert chosen.status_code == 200 and chosen.json()["targets"] == ["youtube", "tiktok", "instagram"]

    consent = start(client, channel, "tiktok")
    assert consent["redirect_uri"] == f"{api.base_url}/api/channels/oauth/tiktok/callback"
    assert consent["code_challenge_method"] == "S256"
    done = callback(client, "tiktok", code=tiktok.consent(consent), state=consent["state"])
    assert done == {"connected": channel, "target": "tiktok"}
    ig_consent = start(client, channel, "instagram")
    ig_done = callback(client, "instagram", code=instagram.consent(ig_consent), state=ig_consent["state"])
    assert ig_done == {"connected": channel, "target": "instagram"}

    listed = client.get(f"/api/channels/{channel}/targets").json()["connections"]
    assert [(c["target"], c["accountName"], c["status"]) for c in listed] == [
        ("instagram", "fakeig", "connected"),
        ("tiktok", "Fake Creator", "connected"),
    ]
    issued = [*tiktok.tokens, *tiktok.refresh_tokens, *instagram.tokens]
    for target in ("tiktok", "instagram"):
        stored = api.settings.target_token_file(channel, target).read_text()
        assert not stored.startswith("{") and not any(token in stored for token in issued)
    assert not any(token in caplog.text for token in issued)

    PublishConnections(api.db_url).mark_reconnect(channel, PublishTarget.TIKTOK, "revoked")
    states = {
        c["target"]: c["status"] for c in client.get(f"/api/channels/{channel}/targets").json()["connections"]
    }
    assert states == {"tiktok": "reconnect", "instagram": "connected"}
    again = start(client, channel, "tiktok")
    callback(client, "tiktok", code=tiktok.consent(again), state=again["state"])
    states = {
        c["target"]: c["status"] for c in client.get(f"/api/channels/{channel}/targets").json()["connections"]
    }
    assert states == {"tiktok": "connected", "instagram": "connected"}


def test_reused_foreign_and_other_platform_states_and_denials_are_refused(
    client: httpx.Client, channel: str, fakes: tuple[FakeTikTok, FakeInstagram, str, str]
) -> None:
    tiktok, _, _, _ = fakes
    consent = start(client, channel, "tiktok")
    code = tiktok.consent(consent)
    assert callback(client, "instagram", code=code, state=consent["state"]) == {
        "error": "OAUTH_STATE_INVALID"
    }
    consent = start(client, channel, "tiktok")
    assert callback(client, "tiktok", error="access_denied", state=consent["state"]) == {
        "error": "OAUTH_DENIED"
    }
    consent = start(client, channel, "tiktok")
    assert callback(client, "tiktok", code="forged", state=consent["state"]) == {
        "error": "OAUTH_EXCHANGE_FAILED"
    }
    assert callback(client, "tiktok", code="x", state=consent["state"]) == {"error": "OAUTH_STATE_INVALID"}
    assert client.get(f"/api/channels/{channel}/targets").json()["connections"] == []


def test_bad_targets_are_422_and_other_workspaces_get_404(
    api: LiveApi, client: httpx.Client, channel: str
) -> None:
    for body in ({"targets": ["youtube", "facebook"]}, {"targets": []}, {"targets": ["local"]}):
        answer = client.put(f"/api/channels/{channel}/targets", json=body)
        assert answer.status_code == 422 and answer.json()["details"]["errors"][0]["field"] == "targets", body
    assert client.post(f"/api/channels/{channel}/connections/youtube").status_code == 422
    assert client.get(f"/api/channels/{channel}/targets").json()["targets"] == ["youtube"]

    stranger = Owner(user_id="user-9", workspace_id="ws-9")
    headers = {"Authorization": f"Bearer {api.token(stranger)}"}
    with httpx.Client(base_url=api.base_url, headers=headers) as other:
        assert other.get(f"/api/channels/{channel}/targets").status_code == 404
        assert other.put(f"/api/channels/{channel}/targets", json={"targets": ["tiktok"]}).status_code == 404
        assert other.post(f"/api/channels/{channel}/connections/tiktok").status_code == 404


def test_a_videos_publications_are_listed_for_its_owner_only(api: LiveApi, client: httpx.Client) -> None:
    queue = client.get("/api/queue").json()
    added = client.post(
        f"/api/queue/{queue['id']}/jobs", json={"assetIds": ["a"], "version": queue["version"]}
    )
    task_id = added.json()["createdIds"][0]
    book = Publications(api.db_url)
    book.save(
        Publication(
            task_id=task_id,
            generation=1,
            target=PublishTarget.TIKTOK,
            status=PublicationStatus.FAILED,
            error="TikTok rejected the video: duration_check_failed",
        )
    )

    (item,) = client.get(f"/api/v1/videos/{task_id}/publications").json()["items"]
    assert (item["target"], item["status"], item["generation"]) == ("tiktok", "failed", 1)
    assert "duration_check_failed" in item["error"] and item["awaitingReconnect"] is False
    stranger = Owner(user_id="user-9", workspace_id="ws-9")
    with httpx.Client(
        base_url=api.base_url, headers={"Authorization": f"Bearer {api.token(stranger)}"}
    ) as other:
        assert other.get(f"/api/v1/videos/{task_id}/publications").status_code == 404

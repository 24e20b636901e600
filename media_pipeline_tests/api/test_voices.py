"""Cloned voices over the API against the loopback ElevenLabs fake: refused without consent (nothing sent,
nothing recorded), cloned with the consent recorded (who, statement, when, by whom), listed; the provider's
list; a channel's voice and madeForKids defaults reach the tasks that leave them unset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from media_pipeline.providers.youtube_metadata import video_body
from media_pipeline.settings import Settings
from media_pipeline.store import PipelineState
from media_pipeline_tests.api.conftest import UPLOAD_LIMIT, LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.conftest import TEST_PLANS
from media_pipeline_tests.media.clips import make_track
from media_pipeline_tests.providers.fake_elevenlabs import FakeElevenLabs
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import make_script

STATEMENT = "I, Kim Jisu, agree that my voice is cloned to narrate this channel's videos."
SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def fake() -> FakeElevenLabs:
    return FakeElevenLabs()


@pytest.fixture
def provider(fake: FakeElevenLabs) -> Iterator[FakeServer]:
    with FakeServer(fake) as server:
        yield server


@pytest.fixture
def api_settings(tmp_path: Path, provider: FakeServer) -> Settings:
    """The API's settings pointing at the ElevenLabs fake."""
    return Settings(
        data_dir=tmp_path,
        plans=TEST_PLANS,
        upload_max_bytes=UPLOAD_LIMIT,
        elevenlabs_base_url=provider.base_url,
        elevenlabs_api_key=SecretStr("xi-test-key"),
        jwt_secret="test-secret-0123456789abcdef0123456789",
    )


def _clone(client: httpx.Client, sample: bytes, **fields: str) -> httpx.Response:
    form = {
        "name": "지수",
        "consentBy": "Kim Jisu",
        "consentStatement": STATEMENT,
        "consent": "true",
        **fields,
    }
    return client.post("/api/voices", files={"file": ("jisu.mp3", sample, "audio/mpeg")}, data=form)


@SQLITE
def test_cloning_needs_consent_and_records_it(
    api: LiveApi, client: httpx.Client, provider: FakeServer, fake: FakeElevenLabs, tmp_path: Path
) -> None:
    sample = make_track(tmp_path / "jisu.mp3", 6).read_bytes()
    refused = assert_error(_clone(client, sample, consent="false", consentBy=" "), 422, "VALIDATION_ERROR")
    assert {e["field"] for e in refused["details"]["errors"]} == {"consent", "consentBy"}
    assert_error(_clone(client, sample, consentStatement="ok"), 422, "VALIDATION_ERROR")
    assert_error(_clone(client, b"not audio at all " * 40), 422, "VALIDATION_ERROR")
    assert provider.requests == [] and client.get("/api/voices").json()["items"] == []

    response = _clone(client, sample)
    assert response.status_code == 201, response.text
    voice = response.json()
    assert (voice["consentBy"], voice["consentStatement"], voice["recordedBy"]) == (
        "Kim Jisu",
        STATEMENT,
        "user-1",
    )
    assert voice["voice"] == f"elevenlabs:{voice['providerVoiceId']}" and voice["consentAt"].endswith("Z")
    assert fake.samples[voice["providerVoiceId"]] == [sample]
    assert [v["id"] for v in client.get("/api/voices").json()["items"]] == [voice["id"]]
    listed = client.get("/api/voices/provider").json()["items"]
    assert voice["voice"] in [v["voice"] for v in listed]


@SQLITE
def test_channel_defaults_fill_what_the_task_leaves_unset(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    channel = client.post("/api/channels", json={"name": "키즈 채널"}).json()
    patched = client.patch(
        f"/api/channels/{channel['id']}",
        json={"madeForKids": True, "voice": "elevenlabs:21m00Tcm4TlvDq8ikWAM"},
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["madeForKids"], patched.json()["voice"]) == (
        True,
        "elevenlabs:21m00Tcm4TlvDq8ikWAM",
    )
    assert_error(
        client.patch(f"/api/channels/{channel['id']}", json={"voice": "nope:x"}), 422, "VALIDATION_ERROR"
    )
    queue = client.get("/api/queue").json()
    own = {"channelSettingId": channel["id"], "madeForKids": False, "voice": "espeak:ko"}
    plain = {"channelSettingId": channel["id"]}
    ids = []
    for asset, options in (("a", plain), ("b", own)):
        added = client.post(
            f"/api/queue/{queue['id']}/jobs",
            json={"assetIds": [asset], "version": queue["version"], "options": options},
        )
        assert added.status_code == 200, added.text
        queue = {"id": queue["id"], "version": added.json()["version"]}
        ids.extend(added.json()["createdIds"])
    specs = [pipeline.task_spec(task_id) for task_id in ids]
    inherited, overridden = (spec.settings for spec in specs)
    assert (inherited.made_for_kids, inherited.voice) == (True, "elevenlabs:21m00Tcm4TlvDq8ikWAM")
    assert (overridden.made_for_kids, overridden.voice) == (False, "espeak:ko")
    # What videos.insert states for each (the publish stage's body of the resolved spec).
    statuses = [
        video_body(spec, make_script(spec), "m", category_id="27", now=datetime.now(UTC))["status"]
        for spec in specs
    ]
    assert [s["selfDeclaredMadeForKids"] for s in statuses] == [True, False]
    assert [s["containsSyntheticMedia"] for s in statuses] == [True, False]  # a cloned voice is synthetic

"""YouTube channel settings per workspace: create, list, get, delete; schedules name one of their own
workspace's channels; other workspaces see none of them."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from media_pipeline.store import Owner
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queue_of


def test_channels_of_a_workspace(api: LiveApi, client: httpx.Client, other_client: httpx.Client) -> None:
    main = client.post("/api/channels", json={"name": "Main"})
    assert main.status_code == 201, main.text
    shorts = client.post("/api/channels", json={"name": "Shorts", "youtubeChannelId": "UCshorts"}).json()
    assert (main.json()["authorized"], shorts["youtubeChannelId"]) == (False, "UCshorts")
    listed = other_client.get("/api/channels").json()["items"]  # same workspace, other user
    assert [channel["name"] for channel in listed] == ["Main", "Shorts"]
    token = api.settings.channel_token_file(shorts["id"])
    token.parent.mkdir(parents=True, exist_ok=True)
    token.write_text("{}")  # what `youtube-auth --channel` writes
    assert client.get(f"/api/channels/{shorts['id']}").json()["authorized"] is True

    (task,) = add_jobs(client, ["a"], {"channelSettingId": main.json()["id"]})["jobs"]
    assert task["settings"]["channelSettingId"] == main.json()["id"]
    body = {"taskId": task["id"], "scheduledTime": "2099-01-01T00:00:00Z", "channelSettingId": shorts["id"]}
    schedule = client.post("/api/automation/schedules", json=body)
    assert (schedule.status_code, schedule.json()["channelSettingId"]) == (201, shorts["id"])

    assert client.delete(f"/api/channels/{shorts['id']}").status_code == 204
    assert not token.exists()
    assert_error(client.get(f"/api/channels/{shorts['id']}"), 404, "NOT_FOUND")


def test_other_workspaces_cannot_use_a_channel(
    make_api: Callable[..., LiveApi], api: LiveApi, client: httpx.Client
) -> None:
    channel = client.post("/api/channels", json={"name": "Main"}).json()["id"]
    with api.client(Owner("user-9", "another-workspace")) as stranger:
        assert stranger.get("/api/channels").json()["items"] == []
        assert_error(stranger.get(f"/api/channels/{channel}"), 404, "NOT_FOUND")
        assert_error(stranger.delete(f"/api/channels/{channel}"), 404, "NOT_FOUND")
        (task,) = add_jobs(stranger, ["a"])["jobs"]
        body = {"taskId": task["id"], "scheduledTime": "2099-01-01T00:00:00Z", "channelSettingId": channel}
        error = assert_error(stranger.post("/api/automation/schedules", json=body), 422, "VALIDATION_ERROR")
        assert error["details"]["errors"][0]["field"] == "channelSettingId"
        _assert_drafts_refuse_channel(stranger, task, channel)
    assert_error(client.get("/api/channels/..%2Fetc"), 404, "NOT_FOUND")
    assert_error(client.get("/api/channels/UC123"), 422, "VALIDATION_ERROR")
    assert_error(client.post("/api/channels", json={"name": ""}), 422, "VALIDATION_ERROR")


def _assert_drafts_refuse_channel(client: httpx.Client, task: dict, channel: str) -> None:
    """Adding, editing and defaulting drafts to another workspace's channel: a field error, no change."""
    queue = queue_of(client)
    before = client.get(f"/api/queue/{queue['id']}/jobs").json()
    path = f"/api/queue/{queue['id']}"
    options = {"channelSettingId": channel}
    attempts = [
        client.post(
            f"{path}/jobs", json={"assetIds": ["b"], "options": options, "version": queue["version"]}
        ),
        client.patch(
            f"{path}/jobs/bulk",
            json={"jobIds": [task["id"]], "optionsPartial": options, "version": queue["version"]},
        ),
        client.patch(path, json={"defaultOptions": options, "version": queue["version"]}),
    ]
    for response in attempts:
        error = assert_error(response, 422, "VALIDATION_ERROR")
        assert [item["field"] for item in error["details"]["errors"]] == ["channelSettingId"]
    assert client.get(f"/api/queue/{queue['id']}/jobs").json() == before
    assert queue_of(client)["defaultOptions"] == queue["defaultOptions"]

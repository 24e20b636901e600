"""A video's files and script review in v1 (the console's task page): the current generation's files with
v1 download URLs, approve/reject with v2's rules and error codes, tenancy and bad ids."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import Engine

from media_pipeline.store import PipelineState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, produce, queued_task
from media_pipeline_tests.store.support import finish_stages, snapshot

V1 = "/api/v1/videos"
FILE_FIELDS = {"id", "kind", "stage", "url", "externalUrl", "metadata", "createdAt"}


def test_files_of_the_current_generation(api: LiveApi, client: httpx.Client, pipeline: PipelineState) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    before_run = client.get(f"{V1}/{draft['id']}/files")
    assert (before_run.status_code, before_run.json()) == (
        200,
        {"videoId": draft["id"], "generation": None, "scriptAwaitingApproval": False, "files": []},
    )
    task_id = queued_task(client, "b")
    paths = produce(api.settings, pipeline, task_id)
    answer = client.get(f"{V1}/{task_id}/files").json()
    assert (answer["videoId"], answer["generation"], answer["scriptAwaitingApproval"]) == (task_id, 1, False)
    files = {item["kind"]: item for item in answer["files"]}
    assert set(files) == {"video", "subtitles", "thumbnail", "publish"}
    assert all(set(item) == FILE_FIELDS for item in answer["files"])
    assert (files["video"]["stage"], files["video"]["metadata"]) == ("video", {"duration": 30.5})
    assert files["publish"]["externalUrl"] == "https://youtu.be/abc"
    assert files["publish"]["metadata"]["uploaded_to_youtube"] is True
    for item in answer["files"]:
        assert item["url"] == f"{V1}/{task_id}/files/{item['id']}"
    video = client.get(files["video"]["url"])
    assert (video.status_code, video.content, video.headers["content-type"]) == (
        200,
        b"video of generation 1",
        "video/mp4",
    )
    token = client.headers["Authorization"].split()[1]
    anonymous = httpx.get(api.base_url + files["thumbnail"]["url"])
    assert_error(anonymous, 401, "UNAUTHORIZED")
    by_query = httpx.get(api.base_url + files["thumbnail"]["url"], params={"access_token": token})
    assert (by_query.status_code, by_query.content) == (200, b"thumbnail of generation 1")

    # a new generation: its (empty) files are listed; the first one's stay downloadable from history/
    assert client.post(
        f"/api/v2/videos/{task_id}/render-jobs", json={"script_id": f"{task_id}-script"}
    ).is_success
    assert client.get(f"{V1}/{task_id}/files").json()["generation"] == 2
    history = paths.history_dir(1)
    history.mkdir(parents=True)
    paths.output_mp4.rename(history / paths.output_mp4.name)
    assert client.get(files["video"]["url"]).content == b"video of generation 1"
    (history / paths.output_mp4.name).unlink()
    assert_error(client.get(files["video"]["url"]), 404, "NOT_FOUND")


def test_script_review_follows_v2_rules(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client, options={"requiresApproval": True})
    for command in ("approve", "reject"):  # nothing written yet: v2's 409 CONFLICT
        assert_error(client.post(f"{V1}/{task_id}/script/{command}"), 409, "CONFLICT")
    finish_stages(pipeline, task_id, ["script"])
    assert client.get(f"{V1}/{task_id}/files").json()["scriptAwaitingApproval"] is True
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == []
    approved = client.post(f"{V1}/{task_id}/script/approve")
    assert approved.status_code == 200, approved.text
    assert (approved.json()["id"], approved.json()["scriptReview"]) == (task_id, "approved")
    assert client.post(f"{V1}/{task_id}/script/approve").json() == approved.json()  # idempotent
    assert client.get(f"{V1}/{task_id}/files").json()["scriptAwaitingApproval"] is False
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == ["images"]
    assert_error(client.post(f"{V1}/{task_id}/script/reject"), 409, "CONFLICT")  # already approved

    other = queued_task(client, "b", {"requiresApproval": True})
    finish_stages(pipeline, other, ["script"])
    rejected = client.post(f"{V1}/{other}/script/reject")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["scriptReview"]) == ("canceled", "rejected")
    assert client.post(f"{V1}/{other}/script/reject").json() == rejected.json()  # idempotent
    assert_error(client.post(f"{V1}/{other}/script/approve"), 409, "CONFLICT")
    job = client.get(f"/api/v2/videos/{other}/render-jobs/{other}-g1").json()
    assert (job["status"], job["awaiting_approval"]) == ("CANCELED", False)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_foreign_and_bad_ids(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    task_id = queued_task(client)
    produce(api.settings, pipeline, task_id)
    file_id = client.get(f"{V1}/{task_id}/files").json()["files"][0]["id"]
    before = snapshot(db_engine)
    for path in (f"{V1}/{task_id}/files", f"{V1}/{task_id}/files/{file_id}"):
        assert_error(other_client.get(path), 404, "NOT_FOUND")
    for command in ("approve", "reject"):
        assert_error(other_client.post(f"{V1}/{task_id}/script/{command}"), 404, "NOT_FOUND")
    assert snapshot(db_engine) == before
    assert_error(client.get(f"{V1}/t-missing/files"), 404, "NOT_FOUND")
    assert_error(client.get(f"{V1}/{task_id}/files/999999"), 404, "NOT_FOUND")
    assert_error(client.get(f"{V1}/bad$id/files"), 422, "VALIDATION_ERROR")
    assert_error(client.post(f"{V1}/bad$id/script/approve"), 422, "VALIDATION_ERROR")
    for bad in ("0", "x", str(2**31)):
        assert_error(client.get(f"{V1}/{task_id}/files/{bad}"), 422, "VALIDATION_ERROR")

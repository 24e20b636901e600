""" "My contents" (seed 001 §13): items follow their generation (script -> video -> published / failed /
stopped), the task links its latest item, and GET /api/contents filters them."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx

from media_pipeline.store import PipelineState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error, produce, queued_task
from media_pipeline_tests.store.support import finish_stages


def _contents(client: httpx.Client, **params: object) -> list[dict]:
    response = client.get("/api/contents", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_contents_follow_their_generation(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState
) -> None:
    published = queued_task(client, "a", {"title": "Autumn walk"})
    produce(api.settings, pipeline, published)
    failed = queued_task(client, "b", {"title": "Failed one"})
    finish_stages(pipeline, failed, ["script"])
    assert pipeline.stage_started(failed, 1, "images", "run-images")
    assert pipeline.stage_failed(
        failed, 1, "images", "run-images", "PermanentError: no images", transient=False
    )
    stopped = queued_task(client, "c", {"title": "Stopped one"})
    finish_stages(pipeline, stopped, ["script", "images"])
    assert client.post("/api/automation/stop", json={"taskId": stopped}).status_code == 200
    queued_task(client, "d")  # no script yet: no content

    items = _contents(client)
    assert [item["taskId"] for item in items] == [stopped, failed, published]
    by_task = {item["taskId"]: item for item in items}
    assert {key: by_task[published][key] for key in ("type", "status", "youtubeUrl", "generation")} == {
        "type": "video",
        "status": "published",
        "youtubeUrl": "https://youtu.be/abc",
        "generation": 1,
    }
    assert by_task[published]["publishedAt"] and by_task[published]["title"] == "Autumn walk"
    assert (by_task[failed]["type"], by_task[failed]["status"], by_task[failed]["error"]) == (
        "script",
        "failed",
        "PermanentError: no images",
    )
    assert (by_task[stopped]["status"], by_task[stopped]["youtubeUrl"]) == ("failed", None)
    assert client.get(f"/api/v1/videos/{published}").json()["contentId"] == by_task[published]["id"]

    assert [item["taskId"] for item in _contents(client, status="published")] == [published]
    assert {item["taskId"] for item in _contents(client, status="failed", type="script")} == {failed, stopped}
    assert [item["taskId"] for item in _contents(client, type="video")] == [published]
    assert [item["taskId"] for item in _contents(client, q="autumn")] == [published]
    assert [item["taskId"] for item in _contents(client, taskId=stopped)] == [stopped]
    page = client.get("/api/contents", params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [item["taskId"] for item in page["items"]]) == (3, [failed])
    assert _contents(other_client) == []
    assert_error(client.get("/api/contents", params={"status": "gone"}), 422, "VALIDATION_ERROR")


def test_a_new_generation_gets_its_own_item(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    produce(api.settings, pipeline, task_id)
    created = client.post(f"/api/v2/videos/{task_id}/render-jobs", json={"script_id": f"{task_id}-script"})
    assert created.status_code == 202
    finish_stages(pipeline, task_id, ["script"], generation=2)
    items = _contents(client, taskId=task_id)
    assert [(item["generation"], item["status"]) for item in items] == [(2, "draft"), (1, "published")]
    assert client.get(f"/api/v1/videos/{task_id}").json()["contentId"] == items[0]["id"]


def test_items_offer_their_files_and_filter_by_creation_time(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client, "a", {"title": "With files"})
    produce(api.settings, pipeline, task_id)
    (item,) = _contents(client, taskId=task_id)
    assert item["durationS"] == 30.5
    files = {entry["kind"]: entry["url"] for entry in item["files"]}
    assert set(files) == {"video", "subtitles", "thumbnail"}
    download = client.get(files["thumbnail"])
    assert (download.status_code, download.content) == (200, b"thumbnail of generation 1")
    created = datetime.fromisoformat(item["createdAt"])
    assert [i["id"] for i in _contents(client, since=created.isoformat())] == [item["id"]]
    assert _contents(client, until=created.isoformat()) == []
    assert _contents(client, since=(created + timedelta(seconds=1)).isoformat()) == []
    later = (created + timedelta(seconds=1)).isoformat()
    assert [
        i["id"] for i in _contents(client, since=(created - timedelta(days=1)).isoformat(), until=later)
    ] == [item["id"]]
    assert_error(
        client.get("/api/contents", params={"since": "2026-01-01T00:00:00"}), 422, "VALIDATION_ERROR"
    )


def test_delete_removes_files_and_rows_but_keeps_the_task(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client, "a", {"title": "To delete"})
    paths = produce(api.settings, pipeline, task_id)
    (item,) = _contents(client, taskId=task_id)
    job = f"/api/v2/videos/{task_id}/render-jobs/{task_id}-g1"
    assert len(client.get(f"{job}/assets").json()["files"]) == 4

    assert_error(other_client.delete(f"/api/contents/{item['id']}"), 404, "NOT_FOUND")
    deleted = client.delete(f"/api/contents/{item['id']}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {
        "id": item["id"],
        "taskId": task_id,
        "generation": 1,
        "deletedRecords": 4,
        "deletedFiles": 4,
        "youtubeUrl": "https://youtu.be/abc",
    }
    for path in (paths.output_mp4, paths.subtitles_srt, paths.thumbnail_jpg, paths.publish_json):
        assert not path.exists(), path
    assert _contents(client, taskId=task_id) == []
    assert client.get(f"{job}/assets").json()["files"] == []
    task = client.get(f"/api/v1/videos/{task_id}").json()
    assert (task["status"], task["contentId"]) == ("succeeded", None)
    assert_error(client.delete(f"/api/contents/{item['id']}"), 404, "NOT_FOUND")


def test_delete_refuses_a_generation_in_flight_and_keeps_older_ones_apart(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    paths = produce(api.settings, pipeline, task_id)
    created = client.post(f"/api/v2/videos/{task_id}/render-jobs", json={"script_id": f"{task_id}-script"})
    assert created.status_code == 202
    finish_stages(pipeline, task_id, ["script"], generation=2)
    history = paths.history_dir(1)
    history.mkdir(parents=True)
    (history / "output.mp4").write_bytes(b"generation 1")
    paths.output_mp4.write_bytes(b"generation 2 in progress")
    running, first = _contents(client, taskId=task_id)

    refused = assert_error(client.delete(f"/api/contents/{running['id']}"), 409, "CONFLICT")
    assert refused["details"] == {"contentId": running["id"], "taskId": task_id, "status": "running"}
    assert [item["id"] for item in _contents(client, taskId=task_id)] == [running["id"], first["id"]]

    assert client.delete(f"/api/contents/{first['id']}").json()["deletedFiles"] == 1
    assert not history.exists() or not any(history.iterdir())
    assert paths.output_mp4.read_bytes() == b"generation 2 in progress"
    assert [item["id"] for item in _contents(client, taskId=task_id)] == [running["id"]]
    assert client.get(f"/api/v1/videos/{task_id}").json()["contentId"] == running["id"]

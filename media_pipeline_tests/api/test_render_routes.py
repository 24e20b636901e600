"""Videos and render jobs: idempotent creation (202/200, 50 concurrent), listing, detail, cancel, script
approval, published assets and file downloads, configuration checks and tenancy."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.domain import TaskPaths
from media_pipeline.store import STAGES, ContentRecord, PipelineState
from media_pipeline.store.models import TaskStageState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queued_task
from media_pipeline_tests.store.support import finish_stages, snapshot

PUBLISHED_AT = "2030-01-02T03:04:05+00:00"


def _produce(api: LiveApi, pipeline: PipelineState, task_id: str, generation: int = 1) -> TaskPaths:
    """Run every stage of the generation, writing small output files and recording them as contents."""
    paths = TaskPaths(api.settings.resolved_storage_root, task_id)
    paths.dir.mkdir(parents=True, exist_ok=True)
    files = {"video": paths.output_mp4, "subtitles": paths.subtitles_srt, "thumbnail": paths.thumbnail_jpg}
    for kind, path in files.items():
        path.write_bytes(f"{kind} of generation {generation}".encode())
    paths.publish_json.write_text("{}")
    contents = {
        "video": [
            ContentRecord(kind="video", path=str(paths.output_mp4), metadata={"duration": 30.5}),
            ContentRecord(kind="subtitles", path=str(paths.subtitles_srt)),
        ],
        "thumbnail": [ContentRecord(kind="thumbnail", path=str(paths.thumbnail_jpg))],
        "youtube_video": [
            ContentRecord(
                kind="publish",
                path=str(paths.publish_json),
                url="https://youtu.be/abc",
                metadata={"uploaded_to_youtube": True, "published_at": PUBLISHED_AT, "target": "youtube"},
            )
        ],
    }
    finish_stages(pipeline, task_id, STAGES, generation, contents)
    return paths


def _create(client: httpx.Client, task_id: str) -> httpx.Response:
    return client.post(f"/api/v1/videos/{task_id}/render-jobs")


def test_videos_list_detail_and_progress(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    assert pipeline.stage_started(task_id, 1, "script", "run-1")
    assert pipeline.stage_progress(task_id, 1, "script", 50, "writing")
    videos = client.get("/api/v1/videos", params={"status": ["running", "queued"]}).json()["items"]
    assert [video["id"] for video in videos] == [task_id]
    assert client.get("/api/v1/videos", params={"status": "draft"}).json()["items"] == []
    video = client.get(f"/api/v1/videos/{task_id}").json()
    assert (video["status"], video["step"], video["message"]) == ("running", "script", "writing")
    progress = client.get(f"/api/v1/videos/{task_id}/progress").json()
    assert (progress["progress"], [stage["stage"] for stage in progress["stages"]]) == (10.0, list(STAGES))
    assert progress["stages"][0]["runId"] == "run-1"


def test_render_job_from_a_draft_is_idempotent(client: httpx.Client) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    created = _create(client, draft["id"])
    assert created.status_code == 202, created.text
    job = created.json()
    assert (job["id"], job["videoId"], job["generation"], job["status"]) == (
        f"{draft['id']}-g1",
        draft["id"],
        1,
        "queued",
    )
    assert created.headers["Location"] == f"/api/v1/videos/{draft['id']}/render-jobs/{job['id']}"
    assert [stage["status"] for stage in job["stages"]] == ["waiting"] * len(STAGES)
    again = _create(client, draft["id"])
    assert (again.status_code, again.json()["id"]) == (200, job["id"])


def test_finished_video_renders_again_as_a_new_job(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    _produce(api, pipeline, task_id)
    created = _create(client, task_id)
    assert (created.status_code, created.json()["id"], created.json()["status"]) == (
        202,
        f"{task_id}-g2",
        "queued",
    )
    page = client.get(f"/api/v1/videos/{task_id}/render-jobs", params={"limit": 1}).json()
    assert (page["total"], [job["id"] for job in page["items"]]) == (2, [f"{task_id}-g2"])
    older = client.get(f"/api/v1/videos/{task_id}/render-jobs", params={"limit": 1, "offset": 1}).json()
    (first,) = older["items"]
    assert (first["status"], first["progress"], first["errorCode"]) == ("succeeded", 100.0, None)
    assert {asset["kind"] for asset in first["assets"]} == {"video", "subtitles", "thumbnail", "publish"}
    detail = client.get(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1").json()
    assert detail == first


def test_50_concurrent_render_requests_create_one_job(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]

    async def race() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(
            base_url=api.base_url, headers=client.headers, limits=limits, timeout=60
        ) as http:
            return await asyncio.gather(
                *[http.post(f"/api/v1/videos/{draft['id']}/render-jobs") for _ in range(50)]
            )

    responses = asyncio.run(race())
    assert sorted(response.status_code for response in responses) == [200] * 49 + [202]
    assert {response.json()["id"] for response in responses} == {f"{draft['id']}-g1"}
    with db_engine.connect() as connection:
        count = connection.scalar(select(func.count(func.distinct(TaskStageState.generation))))
    assert count == 1


def test_cancel_a_running_job_terminates_its_run(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    assert pipeline.stage_started(task_id, 1, "script", "dagster-run-1")
    canceled = client.post(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1/cancel")
    assert canceled.status_code == 200, canceled.text
    job = canceled.json()
    assert (job["status"], job["errorCode"]) == ("canceled", "CANCELED")
    assert api.run_control.terminated == ["dagster-run-1"]
    again = client.post(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1/cancel")
    assert again.json() == job and api.run_control.terminated == ["dagster-run-1"]


def test_cancel_of_a_finished_job_changes_nothing(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    task_id = queued_task(client)
    _produce(api, pipeline, task_id)
    assert _create(client, task_id).status_code == 202
    pipeline.stage_failed(task_id, 2, "script", "r", "PermanentError: bad", transient=False)
    before = snapshot(db_engine)
    for generation, status in ((1, "succeeded"), (2, "failed")):
        response = client.post(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g{generation}/cancel")
        assert (response.status_code, response.json()["status"]) == (200, status)
    assert snapshot(db_engine) == before
    failed = client.get(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g2").json()
    assert (failed["errorCode"], failed["errorMessage"]) == ("STAGE_FAILED", "PermanentError: bad")


def test_script_approval_gates_rendering(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client, options={"requiresApproval": True})
    job_url = f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1"
    early = client.post(f"{job_url}/approve-script")
    assert_error(early, 409, "CONFLICT")
    finish_stages(pipeline, task_id, ["script"])
    waiting = client.get(job_url).json()
    assert (waiting["requiresApproval"], waiting["awaitingApproval"]) == (True, True)
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == []
    approved = client.post(f"{job_url}/approve-script")
    assert approved.status_code == 200, approved.text
    assert approved.json()["awaitingApproval"] is False and approved.json()["scriptApprovedAt"]
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == ["images"]
    assert client.post(f"{job_url}/approve-script").status_code == 200  # idempotent


def test_published_assets_and_downloads(api: LiveApi, client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    assert_error(client.get(f"/api/v1/videos/{task_id}/assets/published"), 404, "NOT_FOUND")
    paths = _produce(api, pipeline, task_id)
    published = client.get(f"/api/v1/videos/{task_id}/assets/published").json()
    assert published["jobId"] == f"{task_id}-g1"
    assert (published["durationS"], published["youtubeUrl"], published["target"]) == (
        30.5,
        "https://youtu.be/abc",
        "youtube",
    )
    assert published["publishedAt"].startswith("2030-01-02T03:04:05")
    video = client.get(published["videoUrl"])
    assert (video.status_code, video.content, video.headers["content-type"]) == (
        200,
        b"video of generation 1",
        "video/mp4",
    )
    assert client.get(published["subtitleUrl"]).content == b"subtitles of generation 1"
    anonymous = httpx.get(api.base_url + published["thumbnailUrl"])
    assert_error(anonymous, 401, "UNAUTHORIZED")
    token = client.headers["Authorization"].split()[1]
    by_query = httpx.get(api.base_url + published["thumbnailUrl"], params={"access_token": token})
    assert (by_query.status_code, by_query.content) == (200, b"thumbnail of generation 1")

    # the next generation archives the outputs (orchestration's prepare_generation): links keep working
    assert _create(client, task_id).status_code == 202
    history = paths.history_dir(1)
    history.mkdir(parents=True)
    for path in (paths.output_mp4, paths.subtitles_srt, paths.thumbnail_jpg, paths.publish_json):
        shutil.move(path, history / path.name)
    assert client.get(published["videoUrl"]).content == b"video of generation 1"
    (history / "output.mp4").unlink()
    assert_error(client.get(published["videoUrl"]), 404, "NOT_FOUND")
    assert_error(
        client.get(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1/assets/999999"), 404, "NOT_FOUND"
    )


def test_unconfigured_provider_and_missing_uploads_are_422(client: httpx.Client, db_engine: Engine) -> None:
    (dalle,) = add_jobs(client, ["a"], {"mediaMode": "dalle3"})["jobs"]
    (upload,) = add_jobs(client, ["b"], {"mediaMode": "upload"})["jobs"]
    before = snapshot(db_engine)
    error = assert_error(_create(client, dalle["id"]), 422, "VALIDATION_ERROR")
    assert error["details"]["errors"][0]["type"] == "provider_not_configured"
    error = assert_error(_create(client, upload["id"]), 422, "VALIDATION_ERROR")
    assert error["details"]["errors"][0]["type"] == "uploads_missing"
    queue = client.get("/api/queue").json()
    run = client.post(f"/api/queue/{queue['id']}/run", json={"version": queue["version"]})
    assert {e["taskId"] for e in assert_error(run, 422, "VALIDATION_ERROR")["details"]["errors"]} == {
        dalle["id"],
        upload["id"],
    }
    assert snapshot(db_engine) == before


def test_voice_of_an_unconfigured_narration_provider_is_a_field_error(
    client: httpx.Client, db_engine: Engine
) -> None:
    (google,) = add_jobs(client, ["a"], {"voice": "google:ko-KR-Neural2-A"})["jobs"]
    before = snapshot(db_engine)
    queue = client.get("/api/queue").json()
    run = client.post(f"/api/queue/{queue['id']}/run", json={"version": queue["version"]})
    (error,) = assert_error(run, 422, "VALIDATION_ERROR")["details"]["errors"]
    assert (error["field"], error["type"], error["taskId"]) == (
        "voice",
        "provider_not_configured",
        google["id"],
    )
    assert "MEDIA_PIPELINE_TTS_GOOGLE_API_KEY" in error["message"]
    assert snapshot(db_engine) == before
    bad = client.post(
        f"/api/queue/{queue['id']}/jobs",
        json={"assetIds": ["b"], "version": queue["version"], "options": {"voice": "azure:x"}},
    )
    assert "voice" in str(assert_error(bad, 422, "VALIDATION_ERROR")["details"])


def test_scheduled_draft_is_not_rendered_now(client: httpx.Client) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    schedule = client.post(
        "/api/automation/schedules", json={"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00Z"}
    )
    assert schedule.status_code == 201, schedule.text
    error = assert_error(_create(client, draft["id"]), 409, "CONFLICT")
    assert error["details"]["nextRunAt"].startswith("2099-01-01")


def test_unknown_and_foreign_ids_are_404(
    api: LiveApi, client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    task_id = queued_task(client)
    _produce(api, pipeline, task_id)
    job = f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g1"
    before = snapshot(db_engine)
    for method, path in [
        ("GET", f"/api/v1/videos/{task_id}"),
        ("GET", f"/api/v1/videos/{task_id}/progress"),
        ("POST", f"/api/v1/videos/{task_id}/render-jobs"),
        ("GET", f"/api/v1/videos/{task_id}/render-jobs"),
        ("GET", job),
        ("POST", f"{job}/cancel"),
        ("POST", f"{job}/approve-script"),
        ("GET", f"{job}/assets/1"),
        ("GET", f"/api/v1/videos/{task_id}/assets/published"),
    ]:
        assert_error(other_client.request(method, path), 404, "NOT_FOUND")
    assert snapshot(db_engine) == before
    assert other_client.get("/api/v1/videos").json()["items"] == []
    for path in (
        f"/api/v1/videos/{task_id}/render-jobs/other-g1",
        f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g7",
    ):
        assert_error(client.get(path), 404, "NOT_FOUND")
    assert_error(client.get(f"/api/v1/videos/{task_id}/render-jobs/{task_id}-g01"), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/videos/..%2F..%2Fetc"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/videos/bad$id"), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_jobs_of_a_video_without_generations(client: httpx.Client, tmp_path: Path) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    page = client.get(f"/api/v1/videos/{draft['id']}/render-jobs").json()
    assert page == {"items": [], "total": 0, "limit": 20, "offset": 0}

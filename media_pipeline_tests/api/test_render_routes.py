"""Videos (v1) and render jobs as seed 002 writes them (v2): idempotent creation (202/200, 50 concurrent),
listing, detail, cancel, script review (SCRIPT_NOT_APPROVED), published assets and file downloads,
configuration checks and tenancy."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.store import STAGES, Owner, PipelineState
from media_pipeline.store.models import TaskStageState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, produce, queued_task
from media_pipeline_tests.store.support import finish_stages, snapshot

JOB_FIELDS = {
    "job_id",
    "video_id",
    "script_id",
    "status",
    "step",
    "progress",
    "message",
    "error_code",
    "error_message",
    "assets",
    "awaiting_approval",
    "created_by",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
}


V2 = "/api/v2/videos"


def _create(client: httpx.Client, task_id: str, script_id: str | None = None) -> httpx.Response:
    return client.post(f"{V2}/{task_id}/render-jobs", json={"script_id": script_id or f"{task_id}-script"})


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


def test_render_job_from_a_draft_is_idempotent(client: httpx.Client, owner: Owner) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    assert (draft["scriptId"], draft["scriptReview"]) == (f"{draft['id']}-script", "approved")
    created = _create(client, draft["id"])
    assert created.status_code == 202, created.text
    job = created.json()
    assert set(job) == JOB_FIELDS | {"created"}
    assert (job["job_id"], job["video_id"], job["script_id"], job["status"], job["progress"]) == (
        f"{draft['id']}-g1",
        draft["id"],
        f"{draft['id']}-script",
        "PENDING",
        0,
    )
    assert (job["created"], job["message"], job["step"], job["created_by"]) == (
        True,
        "New job created and started",
        None,
        owner.user_id,
    )
    assert job["assets"] == {"video_url": None, "subtitle_url": None, "thumbnail_url": None}
    assert created.headers["Location"] == f"{V2}/{draft['id']}/render-jobs/{job['job_id']}"
    again = _create(client, draft["id"])
    assert (again.status_code, again.json()["job_id"], again.json()["created"]) == (200, job["job_id"], False)
    assert again.json()["message"] == "Existing PENDING job returned"


def test_finished_video_renders_again_as_a_new_job(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    produce(api.settings, pipeline, task_id)
    created = _create(client, task_id)
    assert (created.status_code, created.json()["job_id"], created.json()["status"]) == (
        202,
        f"{task_id}-g2",
        "PENDING",
    )
    page = client.get(f"{V2}/{task_id}/render-jobs", params={"limit": 1}).json()
    assert (page["video_id"], page["total"], page["limit"], page["offset"]) == (task_id, 2, 1, 0)
    assert [job["job_id"] for job in page["jobs"]] == [f"{task_id}-g2"]
    older = client.get(f"{V2}/{task_id}/render-jobs", params={"limit": 1, "offset": 1}).json()
    (first,) = older["jobs"]
    assert (first["status"], first["progress"], first["error_code"], first["step"]) == (
        "SUCCEEDED",
        100,
        None,
        "PUBLISH",
    )
    assert all(
        url.startswith(f"{V2}/{task_id}/render-jobs/{task_id}-g1/assets/") for url in first["assets"].values()
    )
    detail = client.get(f"{V2}/{task_id}/render-jobs/{task_id}-g1").json()
    assert detail == first
    listing = client.get(f"{V2}/{task_id}/render-jobs/{task_id}-g1/assets").json()
    assert (listing["video_id"], listing["job_id"]) == (task_id, f"{task_id}-g1")
    files = {file["kind"]: file for file in listing["files"]}
    assert {"video", "subtitles", "thumbnail", "publish"} <= set(files)
    urls = {kind: files[kind]["url"] for kind in ("video", "subtitles", "thumbnail")}
    assert urls == {
        "video": first["assets"]["video_url"],
        "subtitles": first["assets"]["subtitle_url"],
        "thumbnail": first["assets"]["thumbnail_url"],
    }
    assert files["publish"]["external_url"] == "https://youtu.be/abc"


def test_steps_follow_the_stages(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    job_url = f"{V2}/{task_id}/render-jobs/{task_id}-g1"
    steps = []

    def step() -> str:
        job = client.get(job_url).json()
        assert job["status"] == "RUNNING"
        return job["step"]

    for stage in STAGES:
        assert pipeline.stage_started(task_id, 1, stage, f"run-{stage}")
        steps.append(step())
        if stage == "video":  # narration first, then composing
            assert pipeline.stage_progress(task_id, 1, stage, 60, "rendering")
            steps.append(step())
        assert pipeline.stage_completed(task_id, 1, stage, f"run-{stage}", [])
    assert steps == [
        "VALIDATE_SCRIPT",
        "GENERATE_IMAGES",
        "GENERATE_TTS",
        "COMPOSE_VIDEO",
        "THUMBNAIL",
        "PUBLISH",
    ]


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
                *[
                    http.post(f"{V2}/{draft['id']}/render-jobs", json={"script_id": draft["scriptId"]})
                    for _ in range(50)
                ]
            )

    responses = asyncio.run(race())
    assert sorted(response.status_code for response in responses) == [200] * 49 + [202]
    assert {response.json()["job_id"] for response in responses} == {f"{draft['id']}-g1"}
    with db_engine.connect() as connection:
        count = connection.scalar(select(func.count(func.distinct(TaskStageState.generation))))
    assert count == 1


def test_cancel_a_running_job_terminates_its_run(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    assert pipeline.stage_started(task_id, 1, "script", "dagster-run-1")
    canceled = client.post(f"{V2}/{task_id}/render-jobs/{task_id}-g1/cancel")
    assert canceled.status_code == 200, canceled.text
    job = canceled.json()
    assert (job["status"], job["error_code"]) == ("CANCELED", "CANCELED")
    assert api.run_control.terminated == ["dagster-run-1"]
    again = client.post(f"{V2}/{task_id}/render-jobs/{task_id}-g1/cancel")
    assert again.json() == job and api.run_control.terminated == ["dagster-run-1"]


def test_cancel_of_a_finished_job_changes_nothing(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    task_id = queued_task(client)
    produce(api.settings, pipeline, task_id)
    assert _create(client, task_id).status_code == 202
    pipeline.stage_failed(task_id, 2, "script", "r", "PermanentError: bad", transient=False)
    before = snapshot(db_engine)
    for generation, status in ((1, "SUCCEEDED"), (2, "FAILED")):
        response = client.post(f"{V2}/{task_id}/render-jobs/{task_id}-g{generation}/cancel")
        assert (response.status_code, response.json()["status"]) == (200, status)
    assert snapshot(db_engine) == before
    failed = client.get(f"{V2}/{task_id}/render-jobs/{task_id}-g2").json()
    assert (failed["error_code"], failed["error_message"]) == ("STAGE_FAILED", "PermanentError: bad")


def test_script_approval_gates_rendering(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client, options={"requiresApproval": True})
    job_url = f"{V2}/{task_id}/render-jobs/{task_id}-g1"
    early = client.post(f"{job_url}/approve-script")
    assert_error(early, 409, "CONFLICT")
    finish_stages(pipeline, task_id, ["script"])
    waiting = client.get(job_url).json()
    assert waiting["awaiting_approval"] is True
    assert client.get(f"/api/v1/videos/{task_id}").json()["scriptReview"] == "draft"
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == []
    approved = client.post(f"{job_url}/approve-script")
    assert approved.status_code == 200, approved.text
    assert approved.json()["awaiting_approval"] is False
    assert client.get(f"/api/v1/videos/{task_id}").json()["scriptReview"] == "approved"
    assert [item.stage for item in pipeline.launchable(pipeline.now(), 10)] == ["images"]
    assert client.post(f"{job_url}/approve-script").status_code == 200  # idempotent


def test_only_approved_scripts_render(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    (draft,) = add_jobs(client, ["a"], {"requiresApproval": True})["jobs"]
    before = snapshot(db_engine)
    error = assert_error(_create(client, draft["id"]), 409, "SCRIPT_NOT_APPROVED")
    assert error["details"] == {"script_id": f"{draft['id']}-script", "review_status": "draft"}
    assert_error(_create(client, draft["id"], "script-001"), 404, "NOT_FOUND")
    assert snapshot(db_engine) == before

    task_id = queued_task(client, "b", {"requiresApproval": True})  # the automation queue runs through
    job_url = f"{V2}/{task_id}/render-jobs/{task_id}-g1"
    finish_stages(pipeline, task_id, ["script"])
    assert _create(client, task_id).json()["created"] is False  # the job in flight is returned
    rejected = client.post(f"{job_url}/reject-script")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["error_code"]) == ("CANCELED", "CANCELED")
    assert client.post(f"{job_url}/reject-script").json() == rejected.json()  # idempotent
    assert_error(client.post(f"{job_url}/approve-script"), 409, "CONFLICT")
    error = assert_error(_create(client, task_id), 409, "SCRIPT_NOT_APPROVED")
    assert error["details"]["review_status"] == "rejected"


def test_published_assets_and_downloads(api: LiveApi, client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    before = client.get(f"{V2}/{task_id}/assets/published")
    assert (before.status_code, before.json()) == (200, {"video_id": task_id, "published": False})
    paths = produce(api.settings, pipeline, task_id)
    published = client.get(f"{V2}/{task_id}/assets/published").json()
    assert set(published) == {
        "video_id",
        "published",
        "video_url",
        "subtitle_url",
        "thumbnail_url",
        "duration_sec",
        "published_at",
        "script_id",
        "job_id",
        "playback_url",
    }
    assert published["playback_url"] == f"/api/v1/videos/{task_id}/playback"
    assert (published["published"], published["job_id"], published["script_id"]) == (
        True,
        f"{task_id}-g1",
        f"{task_id}-script",
    )
    assert published["duration_sec"] == 30.5
    assert published["published_at"].startswith("2030-01-02T03:04:05")
    video = client.get(published["video_url"])
    assert (video.status_code, video.content, video.headers["content-type"]) == (
        200,
        b"video of generation 1",
        "video/mp4",
    )
    assert client.get(published["subtitle_url"]).content == b"subtitles of generation 1"
    anonymous = httpx.get(api.base_url + published["thumbnail_url"])
    assert_error(anonymous, 401, "UNAUTHORIZED")
    token = client.headers["Authorization"].split()[1]
    by_query = httpx.get(api.base_url + published["thumbnail_url"], params={"access_token": token})
    assert (by_query.status_code, by_query.content) == (200, b"thumbnail of generation 1")

    # the next generation archives the outputs (orchestration's prepare_generation): links keep working
    assert _create(client, task_id).status_code == 202
    history = paths.history_dir(1)
    history.mkdir(parents=True)
    for path in (paths.output_mp4, paths.subtitles_srt, paths.thumbnail_jpg, paths.publish_json):
        shutil.move(path, history / path.name)
    assert client.get(published["video_url"]).content == b"video of generation 1"
    (history / "output.mp4").unlink()
    assert_error(client.get(published["video_url"]), 404, "NOT_FOUND")
    assert_error(client.get(f"{V2}/{task_id}/render-jobs/{task_id}-g1/assets/999999"), 404, "NOT_FOUND")


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
    produce(api.settings, pipeline, task_id)
    job = f"{V2}/{task_id}/render-jobs/{task_id}-g1"
    before = snapshot(db_engine)
    for method, path in [
        ("GET", f"/api/v1/videos/{task_id}"),
        ("GET", f"/api/v1/videos/{task_id}/progress"),
        ("POST", f"{V2}/{task_id}/render-jobs"),
        ("GET", f"{V2}/{task_id}/render-jobs"),
        ("GET", job),
        ("POST", f"{job}/cancel"),
        ("POST", f"{job}/approve-script"),
        ("POST", f"{job}/reject-script"),
        ("GET", f"{job}/assets/1"),
        ("GET", f"{V2}/{task_id}/assets/published"),
    ]:
        body = {"script_id": f"{task_id}-script"} if path.endswith("render-jobs") else None
        assert_error(other_client.request(method, path, json=body), 404, "NOT_FOUND")
    assert snapshot(db_engine) == before
    assert other_client.get("/api/v1/videos").json()["items"] == []
    for path in (f"{V2}/{task_id}/render-jobs/other-g1", f"{V2}/{task_id}/render-jobs/{task_id}-g7"):
        assert_error(client.get(path), 404, "NOT_FOUND")
    assert_error(client.get(f"{V2}/{task_id}/render-jobs/{task_id}-g01"), 422, "VALIDATION_ERROR")
    assert_error(client.post(f"{V2}/{task_id}/render-jobs", json={}), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/v1/videos/..%2F..%2Fetc"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/videos/bad$id"), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_jobs_of_a_video_without_generations(client: httpx.Client, tmp_path: Path) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    page = client.get(f"{V2}/{draft['id']}/render-jobs").json()
    assert page == {"video_id": draft["id"], "jobs": [], "total": 0, "limit": 20, "offset": 0}

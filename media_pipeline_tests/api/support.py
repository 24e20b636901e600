"""Helpers for the API tests: error-shape assertions, shortcuts through the queue endpoints, and a
generation produced through ``PipelineState`` with small stand-in files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from media_pipeline.domain import TaskPaths
from media_pipeline.settings import Settings
from media_pipeline.store import STAGES, ContentRecord, PipelineState

PUBLISHED_AT = "2030-01-02T03:04:05+00:00"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is ``status`` with the error shape and ``code``; returns the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    assert "Traceback" not in response.text
    return body


def queue_of(client: httpx.Client) -> dict[str, Any]:
    """The caller's default queue."""
    response = client.get("/api/queue")
    assert response.status_code == 200, response.text
    return response.json()


def add_jobs(
    client: httpx.Client, assets: Sequence[str], options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Add drafts (at the current version); returns ``{version, jobs, createdIds}``."""
    queue = queue_of(client)
    body: dict[str, Any] = {"assetIds": list(assets), "version": queue["version"]}
    if options is not None:
        body["options"] = dict(options)
    response = client.post(f"/api/queue/{queue['id']}/jobs", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def run_jobs(client: httpx.Client, job_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """Run drafts at the current version; returns ``{version, batchId, queued, scheduled}``."""
    queue = queue_of(client)
    body: dict[str, Any] = {} if job_ids is None else {"jobIds": list(job_ids)}
    response = client.post(
        f"/api/queue/{queue['id']}/run", json=body, headers={"If-Match": f'"{queue["version"]}"'}
    )
    assert response.status_code == 200, response.text
    return response.json()


def queued_task(
    client: httpx.Client, asset: str = "asset-1", options: Mapping[str, Any] | None = None
) -> str:
    """Add one draft and run it; returns the task id."""
    (job,) = add_jobs(client, [asset], options)["jobs"]
    assert [task["id"] for task in run_jobs(client, [job["id"]])["queued"]] == [job["id"]]
    return job["id"]


def produce(settings: Settings, pipeline: PipelineState, task_id: str, generation: int = 1) -> TaskPaths:
    """Run every stage of the generation (started, half way, completed), writing small output files and
    recording them as contents (video, subtitles, thumbnail, a YouTube publish record)."""
    paths = TaskPaths(settings.resolved_storage_root, task_id)
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
    for stage in STAGES:
        run_id = f"run-{generation}-{stage}"
        assert pipeline.stage_started(task_id, generation, stage, run_id, 4242)
        assert pipeline.stage_progress(task_id, generation, stage, 50, f"{stage} half way")
        assert pipeline.stage_completed(task_id, generation, stage, run_id, contents.get(stage, []))
    return paths

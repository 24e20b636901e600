"""Helpers for the API tests: error-shape assertions and shortcuts through the queue endpoints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx


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

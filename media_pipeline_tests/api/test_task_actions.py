"""The ``actions`` of a task on the wire (SQLite and PostgreSQL): what each status allows, the same on the
video, the queue's jobs and the automation tabs, and what the field refuses the server refuses."""

from __future__ import annotations

from typing import Any

import httpx

from media_pipeline.store import PipelineState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, produce, queued_task

ACTIONS = ("run", "edit", "delete", "stop", "retry", "rerun", "review")


def allowed(*names: str) -> dict[str, bool]:
    """The ``actions`` object allowing exactly ``names``."""
    return {name: name in names for name in ACTIONS}


def video(client: httpx.Client, task_id: str) -> dict[str, Any]:
    """The task as ``GET /api/v1/videos/{id}`` shows it."""
    response = client.get(f"/api/v1/videos/{task_id}")
    assert response.status_code == 200, response.text
    return response.json()


def tab_row(client: httpx.Client, task_id: str) -> dict[str, Any]:
    """The task's row in the automation tabs."""
    tabs = client.get("/api/automation/tabs").json()
    rows = [*tabs["scheduled"], *tabs["failed"], *tabs["done"]]
    rows += [row for tab in tabs["stages"].values() for row in (*tab["waiting"], *tab["processing"])]
    (row,) = [row for row in rows if row["taskId"] == task_id]
    return row


def test_each_status_names_the_actions_it_allows(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    (draft,) = add_jobs(client, ["draft-asset"])["jobs"]
    assert draft["actions"] == video(client, draft["id"])["actions"] == allowed("run", "edit", "delete")

    task = queued_task(client, "work-asset")
    assert video(client, task)["actions"] == tab_row(client, task)["actions"] == allowed("stop")
    assert pipeline.stage_started(task, 1, "script", "run-1-script", 4242)
    assert video(client, task)["status"] == "running"
    assert video(client, task)["actions"] == tab_row(client, task)["actions"] == allowed("stop")
    assert pipeline.stage_failed(task, 1, "script", "run-1-script", "bad input", transient=False)
    assert video(client, task)["status"] == "failed"
    assert video(client, task)["actions"] == tab_row(client, task)["actions"] == allowed("retry", "rerun")

    done = queued_task(client, "done-asset")
    produce(api.settings, pipeline, done)
    assert (video(client, done)["status"], video(client, done)["actions"]) == ("succeeded", allowed("rerun"))
    assert tab_row(client, done)["actions"] == allowed("rerun")


def test_what_the_actions_refuse_the_server_refuses(client: httpx.Client) -> None:
    task = queued_task(client, "stop-asset")
    assert client.post("/api/automation/stop", json={"taskId": task}).status_code == 200
    canceled = video(client, task)
    assert (canceled["status"], canceled["actions"]) == ("canceled", allowed("rerun"))
    assert_error(client.post("/api/automation/retry", json={"taskId": task}), 409, "CONFLICT")
    rerun = client.post("/api/automation/rerun", json={"taskId": task})
    assert rerun.status_code == 200, rerun.text
    again = video(client, task)
    assert (again["status"], again["generation"], again["actions"]) == ("queued", 2, allowed("stop"))

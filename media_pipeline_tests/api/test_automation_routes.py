"""Automation endpoints: stop, retry, rerun, logs (filters), stage tabs, schedules CRUD; errors, tenancy."""

from __future__ import annotations

import os

import httpx
from sqlalchemy import Engine

from media_pipeline.processes import ProcessRef
from media_pipeline.store import STAGES, PipelineState
from media_pipeline.store.heartbeats import HeartbeatStore, RunWorker
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import add_jobs, assert_error, queued_task
from media_pipeline_tests.store.support import finish_stages, snapshot


def test_stop_is_idempotent_and_terminates_the_run(
    api: LiveApi, client: httpx.Client, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    assert pipeline.stage_started(task_id, 1, "script", "run-9")
    worker, child = ProcessRef.of(os.getpid()), ProcessRef.of(os.getppid())
    assert worker is not None and child is not None
    HeartbeatStore(api.db_url).beat(RunWorker("run-9", task_id, 1, "script", "host-a", worker, (child,)))
    stopped = client.post("/api/automation/stop", json={"taskId": task_id})
    assert stopped.status_code == 200, stopped.text
    body = stopped.json()
    assert (body["changed"], body["terminatedRunIds"], body["task"]["status"]) == (
        True,
        ["run-9"],
        "canceled",
    )
    assert (body["canceledRunningStages"], body["canceledWaitingStages"], body["pausedSchedules"]) == (
        ["script"],
        ["images", "video", "thumbnail", "youtube_video"],
        0,
    )
    assert body["endedProcesses"] == [
        {"runId": "run-9", "stage": "script", "host": "host-a", "pid": worker.pid, "role": "worker"},
        {"runId": "run-9", "stage": "script", "host": "host-a", "pid": child.pid, "role": "child"},
    ]
    again = client.post("/api/automation/stop", json={"taskId": task_id}).json()
    assert (again["changed"], again["terminatedRunIds"], again["canceledWaitingStages"]) == (False, [], [])
    assert again["endedProcesses"] == []
    assert api.run_control.terminated == ["run-9"]


def test_retry_a_failed_task(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    assert (
        client.post("/api/automation/retry", json={"taskId": task_id}).json()["status"] == "queued"
    )  # in flight
    finish_stages(pipeline, task_id, ["script"])
    assert pipeline.stage_started(task_id, 1, "images", "r")
    assert pipeline.stage_failed(task_id, 1, "images", "r", "PermanentError: no", transient=False)
    retried = client.post("/api/automation/retry", json={"taskId": task_id})
    assert retried.status_code == 200, retried.text
    assert (retried.json()["status"], retried.json()["message"]) == ("queued", "retry from images")
    succeeded = queued_task(client, "asset-2")
    finish_stages(pipeline, succeeded, STAGES)
    assert_error(client.post("/api/automation/retry", json={"taskId": succeeded}), 409, "CONFLICT")


def test_rerun_a_stopped_task_as_a_new_generation(client: httpx.Client, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    assert_error(client.post("/api/automation/rerun", json={"taskId": "tmissing0000"}), 404, "NOT_FOUND")
    in_flight = client.post("/api/automation/rerun", json={"taskId": task_id}).json()
    assert (in_flight["started"], in_flight["task"]["generation"]) == (False, 1)
    client.post("/api/automation/stop", json={"taskId": task_id})
    rerun = client.post("/api/automation/rerun", json={"taskId": task_id})
    assert rerun.status_code == 200, rerun.text
    body = rerun.json()
    assert (body["started"], body["task"]["status"], body["task"]["generation"]) == (True, "queued", 2)
    assert [item.generation for item in pipeline.launchable(pipeline.now(), 10)] == [2]


def test_logs_are_filtered(client: httpx.Client, pipeline: PipelineState) -> None:
    first = queued_task(client, "a")
    second = queued_task(client, "b")
    finish_stages(pipeline, first, ["script"])
    pipeline.stage_failed(second, 1, "script", "r2", "timeout", transient=True)
    logs = client.get("/api/automation/logs").json()["items"]
    assert [entry["id"] for entry in logs] == sorted((entry["id"] for entry in logs), reverse=True)
    only_second = client.get("/api/automation/logs", params={"taskId": second}).json()["items"]
    assert {entry["taskId"] for entry in only_second} == {second}
    retries = client.get("/api/automation/logs", params={"level": "warning", "actionType": "retry"}).json()
    assert [(entry["taskId"], entry["stage"]) for entry in retries["items"]] == [(second, "script")]
    warn = client.get("/api/automation/logs", params={"level": "warn"}).json()  # seed 001's spelling
    assert warn == client.get("/api/automation/logs", params={"level": "warning"}).json()
    assert {entry["level"] for entry in warn["items"]} == {"warning"} and warn["items"]
    script_queue = client.get("/api/automation/logs", params={"queueType": "script", "limit": 2}).json()
    assert len(script_queue["items"]) == 2 and {entry["stage"] for entry in script_queue["items"]} == {
        "script"
    }
    assert_error(client.get("/api/automation/logs", params={"level": "loud"}), 422, "VALIDATION_ERROR")
    assert_error(client.get("/api/automation/logs", params={"limit": 0}), 422, "VALIDATION_ERROR")


def test_stage_tabs(client: httpx.Client, pipeline: PipelineState) -> None:
    waiting = queued_task(client, "a")
    processing = queued_task(client, "b")
    done = queued_task(client, "c")
    assert pipeline.stage_started(processing, 1, "script", "r")
    finish_stages(pipeline, done, STAGES)
    (later, sooner) = (job["id"] for job in add_jobs(client, ["d", "e"])["jobs"])
    for task_id, when in ((later, "2099-02-01T00:00:00Z"), (sooner, "2099-01-01T00:00:00Z")):
        body = {"taskId": task_id, "scheduledTime": when, "repeat": "daily"}
        assert client.post("/api/automation/schedules", json=body).status_code == 201
    tabs = client.get("/api/automation/tabs").json()
    assert list(tabs["stages"]) == list(STAGES)
    assert [row["taskId"] for row in tabs["stages"]["script"]["waiting"]] == [waiting]
    assert [row["taskId"] for row in tabs["stages"]["script"]["processing"]] == [processing]
    assert [row["taskId"] for row in tabs["done"]] == [done] and tabs["failed"] == []
    assert [(row["taskId"], row["nextRunAt"][:10]) for row in tabs["scheduled"]] == [
        (sooner, "2099-01-01"),
        (later, "2099-02-01"),
    ]


def test_schedule_crud(client: httpx.Client) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    created = client.post(
        "/api/automation/schedules",
        json={
            "taskId": draft["id"],
            "scheduledTime": "2099-01-31T09:00:00+09:00",
            "repeat": "monthly",
            "timeZone": "Asia/Seoul",
            "privacy": "unlisted",
        },
    )
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert (schedule["repeat"], schedule["timeZone"], schedule["isActive"]) == ("monthly", "Asia/Seoul", True)
    assert schedule["nextRunAt"].startswith("2099-01-31T00:00:00")
    duplicate = client.post(
        "/api/automation/schedules", json={"taskId": draft["id"], "scheduledTime": "2099-02-01T00:00:00Z"}
    )
    assert_error(duplicate, 409, "CONFLICT")
    url = f"/api/automation/schedules/{schedule['id']}"
    assert client.get(url).json() == schedule
    assert [item["id"] for item in client.get("/api/automation/schedules").json()["items"]] == [
        schedule["id"]
    ]
    listed = client.get(
        "/api/automation/schedules", params={"taskId": draft["id"], "activeOnly": True}
    ).json()
    assert len(listed["items"]) == 1
    changed = client.patch(url, json={"repeat": "weekly", "repeatConfig": {"weekdays": [0, 4]}})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["repeat"], changed.json()["repeatConfig"]) == ("weekly", {"weekdays": [0, 4]})
    off = client.patch(url, json={"isActive": False}).json()
    assert (off["isActive"], off["nextRunAt"]) == (False, None)
    assert client.delete(url).status_code == 204
    assert_error(client.get(url), 404, "NOT_FOUND")


def test_schedule_validation(client: httpx.Client, db_engine: Engine) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    before = snapshot(db_engine)
    for body in [
        {"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00"},  # naive
        {"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00Z", "timeZone": "Mars/Base"},
        {"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00Z", "repeatConfig": {"weekdays": [9]}},
        {"taskId": draft["id"], "scheduledTime": "not a time"},
        {"taskId": "../x", "scheduledTime": "2099-01-01T00:00:00Z"},
        {"taskId": draft["id"], "scheduledTime": "0001-01-01T00:00:00Z"},  # out of range
        {"taskId": draft["id"], "scheduledTime": "9999-12-31T23:59:59Z", "repeat": "daily"},
        {"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00Z", "publishAt": "0001-01-01T00:00:00Z"},
    ]:
        assert_error(client.post("/api/automation/schedules", json=body), 422, "VALIDATION_ERROR")
    schedule = client.post(
        "/api/automation/schedules", json={"taskId": draft["id"], "scheduledTime": "2099-01-01T00:00:00Z"}
    ).json()
    url = f"/api/automation/schedules/{schedule['id']}"
    with_schedule = snapshot(db_engine)
    assert_error(client.patch(url, json={"scheduledTime": "0001-01-01T00:00:00Z"}), 422, "VALIDATION_ERROR")
    assert snapshot(db_engine) == with_schedule != before


def test_automation_is_owner_scoped(
    client: httpx.Client, other_client: httpx.Client, pipeline: PipelineState, db_engine: Engine
) -> None:
    task_id = queued_task(client)
    schedule = client.post(
        "/api/automation/schedules", json={"taskId": task_id, "scheduledTime": "2099-01-01T00:00:00Z"}
    ).json()
    before = snapshot(db_engine)
    for method, path, body in [
        ("POST", "/api/automation/stop", {"taskId": task_id}),
        ("POST", "/api/automation/retry", {"taskId": task_id}),
        ("GET", f"/api/automation/logs?taskId={task_id}", None),
        ("GET", f"/api/automation/schedules?taskId={task_id}", None),
        ("POST", "/api/automation/schedules", {"taskId": task_id, "scheduledTime": "2099-01-01T00:00:00Z"}),
        ("GET", f"/api/automation/schedules/{schedule['id']}", None),
        ("PATCH", f"/api/automation/schedules/{schedule['id']}", {"isActive": False}),
        ("DELETE", f"/api/automation/schedules/{schedule['id']}", None),
    ]:
        assert_error(other_client.request(method, path, json=body), 404, "NOT_FOUND")
    assert snapshot(db_engine) == before
    assert other_client.get("/api/automation/logs").json()["items"] == []
    tabs = other_client.get("/api/automation/tabs").json()
    assert all(not tab["waiting"] and not tab["processing"] for tab in tabs["stages"].values())


def test_stop_reports_the_schedules_it_paused(client: httpx.Client) -> None:
    (draft,) = add_jobs(client, ["scheduled-asset"])["jobs"]
    created = client.post(
        "/api/automation/schedules", json={"taskId": draft["id"], "scheduledTime": "2099-01-31T00:00:00Z"}
    )
    assert created.status_code == 201, created.text
    body = client.post("/api/automation/stop", json={"taskId": draft["id"]}).json()
    assert (body["pausedSchedules"], body["terminatedRunIds"], body["endedProcesses"]) == (1, [], [])
    schedule = client.get(f"/api/automation/schedules/{created.json()['id']}").json()
    assert schedule["isActive"] is False

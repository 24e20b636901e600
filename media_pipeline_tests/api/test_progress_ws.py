"""The render-progress WebSocket: connected + snapshot, events driven through PipelineState, filtering by
job_id, one poller for many clients and videos (one read of all of them per interval), and errors as
messages + close codes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager

import anyio
import httpx
import pytest
from sqlalchemy import Engine
from websockets.sync.client import ClientConnection

from media_pipeline.api.progress import ProgressHub
from media_pipeline.store import STAGES, Owner, PipelineState, ProgressReader, TaskProgress, TaskStatus
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.socket_support import TIMEOUT_S, close_code, open_socket, opening, receive_until
from media_pipeline_tests.api.support import add_jobs, queued_task
from media_pipeline_tests.store.support import finish_stages


def follow(
    api: LiveApi, owner: Owner | None, video_id: str, job_id: str | None = None, *, query_token: bool = False
) -> AbstractContextManager[ClientConnection]:
    """A progress socket authenticated as ``owner`` (header, or access_token query parameter)."""
    params = [] if job_id is None else [f"job_id={job_id}"]
    path = f"/ws/videos/{video_id}/render-progress"
    return open_socket(api, owner, path, params, query_token=query_token)


def test_connected_then_snapshot_then_events(
    api: LiveApi, client: httpx.Client, owner: Owner, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    with follow(api, owner, task_id) as websocket:
        connected, snapshot = opening(websocket)
        assert set(connected) == {"type", "video_id", "job_id", "message", "timestamp"}
        assert (connected["video_id"], connected["job_id"]) == (task_id, f"{task_id}-g1")  # the latest job
        assert connected["message"] == "Connected to render progress stream"
        assert connected["timestamp"].endswith("Z")
        assert (snapshot["job_id"], snapshot["status"], snapshot["progress"]) == (
            f"{task_id}-g1",
            "PENDING",
            0,
        )
        assert pipeline.stage_started(task_id, 1, "script", "run-1")
        started = receive_until(websocket, lambda message: message["status"] == "RUNNING")[-1]
        assert (started["type"], started["step"]) == ("status", "VALIDATE_SCRIPT")
        assert pipeline.stage_progress(task_id, 1, "script", 50, "half way")
        progress = receive_until(websocket, lambda message: message["progress"] == 10)[-1]
        assert {
            key: progress[key] for key in ("type", "video_id", "job_id", "status", "step", "message")
        } == {
            "type": "progress",
            "video_id": task_id,
            "job_id": f"{task_id}-g1",
            "status": "RUNNING",
            "step": "VALIDATE_SCRIPT",
            "message": "half way",
        }


def test_job_filter(api: LiveApi, client: httpx.Client, owner: Owner, pipeline: PipelineState) -> None:
    task_id = queued_task(client)
    first, second = f"{task_id}-g1", f"{task_id}-g2"
    jobs = f"/api/v2/videos/{task_id}/render-jobs"
    assert pipeline.stage_started(task_id, 1, "script", "run-1")
    with follow(api, owner, task_id, first) as job_one, follow(api, owner, task_id) as running:
        assert opening(job_one)[1]["job_id"] == first
        connected, snapshot = opening(running)  # no job_id: mapped to the RUNNING job
        assert (connected["job_id"], snapshot["job_id"]) == (first, first)
        # the first job ends and a second one starts at once: both sockets see only job one
        client.post(f"{jobs}/{first}/cancel")
        assert client.post(jobs, json={"script_id": f"{task_id}-script"}).json()["job_id"] == second
        for websocket in (job_one, running):
            code, messages = close_code(websocket)
            assert code == 1000
            assert {message["job_id"] for message in messages} == {first}
            assert messages[-1]["status"] == "CANCELED"

    with follow(api, owner, task_id, second) as job_two:
        assert opening(job_two)[1]["job_id"] == second
        assert pipeline.stage_started(task_id, 2, "script", "run-2")
        receive_until(job_two, lambda message: message["status"] == "RUNNING")
        assert pipeline.stage_completed(task_id, 2, "script", "run-2")
        finish_stages(pipeline, task_id, STAGES[1:], generation=2)
        code, messages = close_code(job_two)
        assert code == 1000 and messages[-1]["status"] == "SUCCEEDED" and messages[-1]["progress"] == 100
        assert {message["job_id"] for message in messages} == {second}

    with follow(api, owner, task_id, first) as finished:  # an old job: its final state, then close
        connected, snapshot = opening(finished)
        assert (connected["job_id"], snapshot["job_id"], snapshot["status"]) == (first, first, "CANCELED")
        assert close_code(finished) == (1000, [])

    with follow(api, owner, task_id) as everything:  # no job in flight: every event of the video
        connected, snapshot = opening(everything)
        assert (connected["job_id"], snapshot["job_id"], snapshot["status"]) == (None, second, "SUCCEEDED")
        assert client.post(jobs, json={"script_id": f"{task_id}-script"}).status_code == 202
        later = receive_until(everything, lambda message: message["job_id"] == f"{task_id}-g3")
        assert (later[-1]["type"], later[-1]["status"]) == ("status", "PENDING")


def test_many_clients_of_a_video_share_its_reads(
    api: LiveApi, client: httpx.Client, owner: Owner, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    hub = api.app.state.context.hub
    with (
        follow(api, owner, task_id) as a,
        follow(api, owner, task_id, query_token=True) as b,
        follow(api, owner, task_id, f"{task_id}-g1") as c,
    ):
        for websocket in (a, b, c):
            opening(websocket)
        assert hub.followed_count() == 1
        assert pipeline.stage_started(task_id, 1, "script", "run-1")
        for websocket in (a, b, c):
            assert (
                receive_until(websocket, lambda message: message["status"] == "RUNNING")[-1]["step"]
                == "VALIDATE_SCRIPT"
            )
    deadline = time.monotonic() + TIMEOUT_S
    while hub.followed_count() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert hub.followed_count() == 0


def test_one_read_per_interval_serves_every_followed_video(
    client: httpx.Client, db_engine: Engine, pipeline: PipelineState
) -> None:
    """The hub reads the task rows of all followed videos together (one statement per interval, not one
    per video) and publishes each video's first state and its changes to that video's subscribers only."""
    first, second = queued_task(client, "asset-1"), queued_task(client, "asset-2")
    reader = ProgressReader(db_engine)
    reads: list[set[str]] = []

    def read(task_ids: Sequence[str]) -> dict[str, TaskProgress]:
        reads.append(set(task_ids))
        return reader.read(task_ids)

    hub = ProgressHub(read, 0.01)

    async def follow_both() -> None:
        # Both subscribe before the poller first runs: entering a subscription does not suspend.
        async with hub.subscribe(first) as to_first, hub.subscribe(second) as to_second:
            initial = [await asyncio.wait_for(queue.get(), TIMEOUT_S) for queue in (to_first, to_second)]
            assert [(state.task_id, state.status) for state in initial if state] == [
                (first, TaskStatus.QUEUED),
                (second, TaskStatus.QUEUED),
            ]
            assert hub.followed_count() == 2
            assert await anyio.to_thread.run_sync(pipeline.stage_started, first, 1, "script", "run-1")
            changed = await asyncio.wait_for(to_first.get(), TIMEOUT_S)
            assert changed is not None and (changed.task_id, changed.status) == (first, TaskStatus.RUNNING)
            assert to_second.empty()
        assert hub.followed_count() == 0
        await hub.close()

    with ThreadPoolExecutor(1) as thread:  # its own event loop, whatever loop the session's thread runs
        thread.submit(asyncio.run, follow_both()).result()
    assert len(reads) >= 2 and all(task_ids == {first, second} for task_ids in reads)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_errors_are_sent_then_the_socket_closes(
    api: LiveApi, client: httpx.Client, owner: Owner, other_owner: Owner
) -> None:
    task_id = queued_task(client)
    cases = [
        (None, task_id, None, 4401, "UNAUTHORIZED"),
        (other_owner, task_id, None, 4404, "NOT_FOUND"),
        (owner, task_id, f"{task_id}-g9", 4404, "NOT_FOUND"),
        (owner, task_id, "someone-else-g1", 4404, "NOT_FOUND"),
        (owner, "..", None, 4404, "NOT_FOUND"),
        (owner, "t-missing", None, 4404, "NOT_FOUND"),
    ]
    for who, video, job, expected_code, expected_error in cases:
        with follow(api, who, video, job) as websocket:
            code, messages = close_code(websocket)
        assert (code, [message["code"] for message in messages]) == (expected_code, [expected_error])
        assert messages[0]["type"] == "error"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_deleted_video_ends_the_stream(api: LiveApi, client: httpx.Client, owner: Owner) -> None:
    added = add_jobs(client, ["a"])
    draft = added["jobs"][0]["id"]
    with follow(api, owner, draft) as websocket:
        _, snapshot = opening(websocket)
        assert (snapshot["job_id"], snapshot["status"]) == (None, "PENDING")
        queue_id = client.get("/api/queue").json()["id"]
        deleted = client.request(
            "DELETE",
            f"/api/queue/{queue_id}/jobs/bulk",
            json={"jobIds": [draft], "version": added["version"]},
        )
        assert deleted.status_code == 200
        code, messages = close_code(websocket)
    assert (code, messages[-1]["code"]) == (4404, "NOT_FOUND")

"""The v1 progress WebSocket (``/ws/v1/videos/{videoId}/progress``): camelCase messages from the same
progress fan-out and auth as the v2 socket."""

from __future__ import annotations

from contextlib import AbstractContextManager

import httpx
import pytest
from websockets.sync.client import ClientConnection

from media_pipeline.store import Owner, PipelineState
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.socket_support import close_code, open_socket, opening, receive, receive_until
from media_pipeline_tests.api.support import add_jobs, queued_task

EVENT_FIELDS = {
    "type",
    "videoId",
    "generation",
    "status",
    "step",
    "progress",
    "message",
    "lastError",
    "updatedAt",
}


def follow(
    api: LiveApi, owner: Owner | None, video_id: str, *, header: bool = False
) -> AbstractContextManager[ClientConnection]:
    """A v1 progress socket as ``owner`` (``access_token`` query parameter, or the bearer header)."""
    return open_socket(api, owner, f"/ws/v1/videos/{video_id}/progress", query_token=not header)


def test_camel_case_events_from_stage_reports(
    api: LiveApi, client: httpx.Client, owner: Owner, pipeline: PipelineState
) -> None:
    task_id = queued_task(client)
    expected = {"type": "connected", "videoId": task_id, "generation": 1}  # the generation followed
    with follow(api, owner, task_id) as websocket:
        connected, snapshot = opening(websocket)
        stamp = connected.pop("timestamp")
        assert (connected, stamp[-1]) == (expected, "Z")
        assert set(snapshot) == EVENT_FIELDS
        assert (snapshot["status"], snapshot["generation"], snapshot["progress"]) == ("queued", 1, 0)
        assert pipeline.stage_started(task_id, 1, "script", "run-1")
        started = receive_until(websocket, lambda message: message["status"] == "running")[-1]
        assert (started["type"], started["step"]) == ("status", "script")
        assert pipeline.stage_progress(task_id, 1, "script", 50, "half way")
        progress = receive(websocket)
        assert {key: progress[key] for key in EVENT_FIELDS - {"updatedAt"}} == {
            "type": "progress",
            "videoId": task_id,
            "generation": 1,
            "status": "running",
            "step": "script",
            "progress": 10.0,
            "message": "half way",
            "lastError": None,
        }
        assert pipeline.stage_failed(task_id, 1, "script", "run-1", "PermanentError: bad", transient=False)
        failed = receive_until(websocket, lambda message: message["status"] == "failed")[-1]
        assert (failed["type"], failed["lastError"]) == ("status", "PermanentError: bad")
        code, _ = close_code(websocket)  # the followed generation ended
        assert code == 1000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_same_auth_as_v2(api: LiveApi, client: httpx.Client, owner: Owner, other_owner: Owner) -> None:
    (draft,) = add_jobs(client, ["a"])["jobs"]
    with follow(api, owner, draft["id"], header=True) as websocket:
        connected, snapshot = opening(websocket)
    assert (connected["generation"], snapshot["status"]) == (None, "draft")  # nothing open: every event
    for who, video, expected_code, expected_error in [
        (None, draft["id"], 4401, "UNAUTHORIZED"),
        (other_owner, draft["id"], 4404, "NOT_FOUND"),
        (owner, "..", 4404, "NOT_FOUND"),
        (owner, "t-missing", 4404, "NOT_FOUND"),
    ]:
        with follow(api, who, video) as websocket:
            code, messages = close_code(websocket)
        assert (code, [(message["type"], message["code"]) for message in messages]) == (
            expected_code,
            [("error", expected_error)],
        )

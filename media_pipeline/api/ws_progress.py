"""``WS /ws/videos/{video_id}/render-progress?job_id=`` — live render progress (seed 002 §2.4).

Messages (``render_contract``, snake_case): ``connected`` first, then a ``snapshot`` of the followed job,
then ``status`` (status or job changed) and ``progress`` events. With ``job_id`` only that job is followed
and the socket closes (1000) once it has ended; without it the socket follows the latest PENDING/RUNNING job
the same way, or, if there is none, every event of the video for as long as the client stays. Errors are sent
as ``{"type": "error", code, message, details}`` followed by a close with code 4000 + HTTP status (4401,
4403, 4404). Authenticate with ``Authorization: Bearer`` or ``?access_token=`` (browsers cannot set headers).
The machinery is ``progress_stream``'s, shared with the v1 socket (``ws_progress_v1``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, WebSocket

from media_pipeline.api.progress_stream import Follow, WireShape, stream_progress
from media_pipeline.api.render_contract import ConnectedMessage, EventType, ProgressEvent
from media_pipeline.store import TaskProgress, render_job_id

router = APIRouter()


def _connected(follow: Follow, now: datetime) -> dict[str, Any]:
    message = ConnectedMessage(video_id=follow.video_id, job_id=follow.job_id, timestamp=now)
    return message.model_dump(mode="json")


def _event(kind: EventType, state: TaskProgress) -> dict[str, Any]:
    job = render_job_id(state.task_id, state.generation) if state.generation else None
    return ProgressEvent.of(kind, state, job).model_dump(mode="json")


SEED_002 = WireShape(connected=_connected, event=_event)
"""The seed-002 messages (snake_case, job ids, job statuses and steps)."""


@router.websocket("/ws/videos/{video_id}/render-progress")
async def render_progress(
    websocket: WebSocket,
    video_id: Annotated[str, Path()],
    job_id: Annotated[str | None, Query(max_length=80)] = None,
) -> None:
    """See the module docstring."""
    await stream_progress(websocket, video_id, job_id, SEED_002)

"""``WS /ws/v1/videos/{videoId}/progress`` — live progress of a video in the v1 wire format (camelCase).

The v2 socket's machinery (``progress_stream``: auth, owner check, progress fan-out) with v1 messages
(``schemas_progress``): ``connected`` first, then a ``snapshot`` and ``status``/``progress`` events. It
follows the video's current generation while that is open (and closes, 1000, once it has ended), otherwise
every event of the video. Errors: ``{"type": "error", code, message, details}``, then a close with 4401,
4403 or 4404. Authenticate with ``Authorization: Bearer`` or ``?access_token=``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, WebSocket

from media_pipeline.api.progress_stream import Follow, WireShape, stream_progress
from media_pipeline.api.render_contract import EventType
from media_pipeline.api.schemas_progress import ProgressConnected, ProgressUpdate
from media_pipeline.store import TaskProgress

router = APIRouter()


def _connected(follow: Follow, now: datetime) -> dict[str, Any]:
    message = ProgressConnected(video_id=follow.video_id, generation=follow.generation, timestamp=now)
    return message.model_dump(mode="json", by_alias=True)


def _event(kind: EventType, state: TaskProgress) -> dict[str, Any]:
    return ProgressUpdate.of(kind, state).model_dump(mode="json", by_alias=True)


V1 = WireShape(connected=_connected, event=_event)
"""The v1 messages (camelCase, task statuses, stage names)."""


@router.websocket("/ws/v1/videos/{videoId}/progress")
async def video_progress(websocket: WebSocket, video_id: Annotated[str, Path(alias="videoId")]) -> None:
    """See the module docstring."""
    await stream_progress(websocket, video_id, None, V1)

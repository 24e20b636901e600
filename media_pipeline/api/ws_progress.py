"""``WS /ws/videos/{video_id}/render-progress?job_id=`` — live render progress (seed 002 §2.4).

Messages (``render_contract``): ``connected`` first, then a ``snapshot`` of the followed job, then
``status`` (status or job changed) and ``progress`` events. With ``job_id`` only that job is followed and
the socket closes (1000) once it has ended; without it the socket follows the latest PENDING/RUNNING job
the same way, or, if there is none, every event of the video for as long as the client stays. Errors are sent
as ``{"type": "error", code, message, details}`` followed by a close with code 4000 + HTTP status (4401,
4403, 4404). Authenticate with ``Authorization: Bearer`` or ``?access_token=`` (browsers cannot set headers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.auth import require_scope
from media_pipeline.api.context import ApiContext
from media_pipeline.api.cors import websocket_origin_allowed
from media_pipeline.api.deps import principal_of
from media_pipeline.api.errors import ApiError, http_status
from media_pipeline.api.render_contract import ConnectedMessage, EventType, ProgressEvent
from media_pipeline.domain.models import is_valid_task_id
from media_pipeline.store import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    NotFoundError,
    Owner,
    StoreError,
    TaskProgress,
    render_job_id,
)

router = APIRouter()
NORMAL_CLOSURE = 1000


@dataclass(frozen=True)
class _Follow:
    owner: Owner
    video_id: str
    generation: int | None
    """The followed job's generation; None follows every event of the video."""

    @property
    def job_id(self) -> str | None:
        """The followed job's id."""
        return None if self.generation is None else render_job_id(self.video_id, self.generation)


def _authorize(context: ApiContext, websocket: WebSocket, video_id: str, job: str | None) -> _Follow:
    if not websocket_origin_allowed(
        websocket.headers.get("origin"), websocket.headers.get("host"), context.settings
    ):
        raise ApiError(
            403, "this origin may not open the progress stream", {"origin": websocket.headers["origin"]}
        )
    header = websocket.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    token = credentials if scheme.lower() == "bearer" else websocket.query_params.get("access_token")
    owner = require_scope(principal_of(token, context), "read")
    if not is_valid_task_id(video_id):
        raise NotFoundError(f"task {video_id!r} not found", {"taskId": video_id})
    if job is None:
        task = context.tasks(owner).get(video_id)
        return _Follow(owner, video_id, task.generation if task.status in OPEN_STATUSES else None)
    return _Follow(owner, video_id, context.render_jobs(owner).get(video_id, job).generation)


def _event(kind: EventType, state: TaskProgress) -> dict[str, Any]:
    job = render_job_id(state.task_id, state.generation) if state.generation else None
    return ProgressEvent.of(kind, state, job).model_dump(mode="json")


class _Stream:
    """Sends one client the states of the job it follows, newest only, until that job has ended."""

    def __init__(self, context: ApiContext, websocket: WebSocket, follow: _Follow) -> None:
        self.context = context
        self.websocket = websocket
        self.follow = follow
        self.last: TaskProgress | None = None

    async def send(self, state: TaskProgress | None, kind: EventType) -> bool:
        """Send ``state`` if it is newer than the last one sent; False once the followed job has ended."""
        if state is None:
            raise ApiError(404, "the video was deleted")
        if self.follow.generation is not None and state.generation != self.follow.generation:
            await self._send_past_job(kind)
            return False
        if self.last is not None and state.updated_at <= self.last.updated_at:
            return True
        changed = self.last is None or (state.generation, state.status) != (
            self.last.generation,
            self.last.status,
        )
        self.last = state
        await self.websocket.send_json(_event(kind if kind == "snapshot" or not changed else "status", state))
        return self.follow.generation is None or state.status not in TERMINAL_STATUSES

    async def pump(self, queue: asyncio.Queue[TaskProgress | None]) -> None:
        """Forward hub events until the followed job ends."""
        while await self.send(await queue.get(), "progress"):
            pass

    async def _send_past_job(self, kind: EventType) -> None:
        """The followed job was superseded by a newer one: send its final state from its stage states."""
        assert self.follow.generation is not None
        jobs = self.context.render_jobs(self.follow.owner)
        job = await run_in_threadpool(
            jobs.get, self.follow.video_id, render_job_id(self.follow.video_id, self.follow.generation)
        )
        await self.websocket.send_json(
            _event("snapshot" if kind == "snapshot" else "status", job.progress_view())
        )


async def _until_disconnect(websocket: WebSocket) -> None:
    """Read (and ignore) client messages; raise WebSocketDisconnect when the client goes."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", NORMAL_CLOSURE))


async def _first_of(*coroutines: Coroutine[Any, Any, None]) -> None:
    """Run until one finishes (its exception is raised); cancel the others."""
    tasks = [asyncio.create_task(coroutine) for coroutine in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _send_error(websocket: WebSocket, error: StoreError | ApiError) -> None:
    """Send the error and close with 4000 + its HTTP status (unless the client is already gone)."""
    with contextlib.suppress(WebSocketDisconnect):
        await websocket.send_json({"type": "error", **error.to_dict()})
        await websocket.close(code=4000 + http_status(error))


@router.websocket("/ws/videos/{video_id}/render-progress")
async def render_progress(
    websocket: WebSocket,
    video_id: Annotated[str, Path()],
    job_id: Annotated[str | None, Query(max_length=80)] = None,
) -> None:
    """See the module docstring."""
    context: ApiContext = websocket.app.state.context
    await websocket.accept()
    context.metrics.websocket_clients.inc()
    try:
        follow = await run_in_threadpool(_authorize, context, websocket, video_id, job_id)
        stream = _Stream(context, websocket, follow)
        async with context.hub.subscribe(video_id) as queue:  # before the snapshot: nothing is missed
            connected = ConnectedMessage(
                video_id=video_id, job_id=follow.job_id, timestamp=context.tasks(follow.owner).now()
            )
            await websocket.send_json(connected.model_dump(mode="json"))
            if await stream.send(await context.hub.snapshot(video_id), "snapshot"):
                await _first_of(stream.pump(queue), _until_disconnect(websocket))
        await websocket.close(NORMAL_CLOSURE)
    except (StoreError, ApiError) as exc:
        await _send_error(websocket, exc)
    except WebSocketDisconnect:
        pass
    finally:
        context.metrics.websocket_clients.dec()

"""The progress socket's machinery, shared by v2's ``/ws/videos/{video_id}/render-progress`` (``ws_progress``)
and v1's ``/ws/v1/videos/{videoId}/progress`` (``ws_progress_v1``): the same auth, owner check and progress
fan-out (``ProgressHub``); only the shape of the messages (``WireShape``) differs.

A socket follows one generation (job) and closes (1000) once it has ended, or, following none, sends every
event of the video for as long as the client stays. Messages: ``connected`` first, then a ``snapshot``, then
``status`` (status or generation changed) and ``progress`` events. Errors are sent as
``{"type": "error", code, message, details}`` followed by a close with code 4000 + HTTP status (4401, 4403,
4404). Authenticate with ``Authorization: Bearer`` or ``?access_token=`` (browsers cannot set headers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.auth import require_scope
from media_pipeline.api.context import ApiContext
from media_pipeline.api.cors import websocket_origin_allowed
from media_pipeline.api.errors import ApiError, http_status
from media_pipeline.api.render_contract import EventType
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

NORMAL_CLOSURE = 1000


@dataclass(frozen=True)
class Follow:
    """What one socket follows: a video of ``owner``, one of its generations or (None) all of them."""

    owner: Owner
    video_id: str
    generation: int | None
    """The followed job's generation; None follows every event of the video."""

    @property
    def job_id(self) -> str | None:
        """The followed job's id."""
        return None if self.generation is None else render_job_id(self.video_id, self.generation)


@dataclass(frozen=True)
class WireShape:
    """The JSON of one socket's messages: the first (``connected``, given what is followed and the time
    now) and each later one (``event`` of a kind for a task state)."""

    connected: Callable[[Follow, datetime], dict[str, Any]]
    event: Callable[[EventType, TaskProgress], dict[str, Any]]


def _authorize(context: ApiContext, websocket: WebSocket, video_id: str, job: str | None) -> Follow:
    if not websocket_origin_allowed(
        websocket.headers.get("origin"), websocket.headers.get("host"), context.settings
    ):
        raise ApiError(
            403, "this origin may not open the progress stream", {"origin": websocket.headers["origin"]}
        )
    header = websocket.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    token = credentials if scheme.lower() == "bearer" else websocket.query_params.get("access_token")
    owner = require_scope(context.authenticate(token), "read")
    if not is_valid_task_id(video_id):
        raise NotFoundError(f"task {video_id!r} not found", {"taskId": video_id})
    if job is None:
        task = context.tasks(owner).get(video_id)
        return Follow(owner, video_id, task.generation if task.status in OPEN_STATUSES else None)
    return Follow(owner, video_id, context.render_jobs(owner).get(video_id, job).generation)


class _Stream:
    """Sends one client the states of the job it follows, newest only, until that job has ended."""

    def __init__(self, context: ApiContext, websocket: WebSocket, follow: Follow, shape: WireShape) -> None:
        self.context = context
        self.websocket = websocket
        self.follow = follow
        self.shape = shape
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
        await self.websocket.send_json(
            self.shape.event(kind if kind == "snapshot" or not changed else "status", state)
        )
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
            self.shape.event("snapshot" if kind == "snapshot" else "status", job.progress_view())
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


async def stream_progress(websocket: WebSocket, video_id: str, job: str | None, shape: WireShape) -> None:
    """Serve one progress socket (see the module docstring): follow ``job`` of the video, or without one
    its current generation while that is open, in ``shape``."""
    context: ApiContext = websocket.app.state.context
    await websocket.accept()
    context.metrics.websocket_clients.inc()
    try:
        follow = await run_in_threadpool(_authorize, context, websocket, video_id, job)
        stream = _Stream(context, websocket, follow, shape)
        async with context.hub.subscribe(video_id) as queue:  # before the snapshot: nothing is missed
            await websocket.send_json(shape.connected(follow, context.tasks(follow.owner).now()))
            if await stream.send(await context.hub.snapshot(video_id), "snapshot"):
                await _first_of(stream.pump(queue), _until_disconnect(websocket))
        await websocket.close(NORMAL_CLOSURE)
    except (StoreError, ApiError) as exc:
        await _send_error(websocket, exc)
    except WebSocketDisconnect:
        pass
    finally:
        context.metrics.websocket_clients.dec()

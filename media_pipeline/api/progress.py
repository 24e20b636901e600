"""Progress fan-out: ONE poller per video id reads the task row at a short interval and pushes each change
to every subscribed client queue (any number of WebSocket clients cost one DB read per interval).

Subscribers register their queue before they read their snapshot, and the poller publishes its first read,
so no change between a client's snapshot and its stream is lost (clients drop events not newer than their
snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import anyio

from media_pipeline.store import TaskProgress

logger = logging.getLogger(__name__)

QUEUE_SIZE = 64
ERROR_BACKOFF_S = 2.0


Reader = Callable[[str], TaskProgress | None]
"""Reads the current progress of a task id (None if it no longer exists)."""


class _Channel:
    def __init__(self) -> None:
        self.subscribers: set[asyncio.Queue[TaskProgress | None]] = set()
        self.poller: asyncio.Task[None] | None = None


def _offer(queue: asyncio.Queue[TaskProgress | None], item: TaskProgress | None) -> None:
    """Put without blocking; a slow client loses its oldest pending event (the newest state matters)."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)


class ProgressHub:
    """Shared pollers keyed by video id; lives on the app's event loop."""

    def __init__(self, read: Reader, interval_s: float) -> None:
        self._read = read
        self.interval_s = interval_s
        self._channels: dict[str, _Channel] = {}

    async def snapshot(self, task_id: str) -> TaskProgress | None:
        """The task's state now (read in a worker thread)."""
        return await anyio.to_thread.run_sync(self._read, task_id)

    def poller_count(self) -> int:
        """How many videos are being polled (one per video with subscribers)."""
        return sum(1 for channel in self._channels.values() if channel.poller and not channel.poller.done())

    @contextlib.asynccontextmanager
    async def subscribe(self, task_id: str) -> AsyncIterator[asyncio.Queue[TaskProgress | None]]:
        """A queue receiving every change of ``task_id`` (None once the task is gone) while inside."""
        channel = self._channels.setdefault(task_id, _Channel())
        queue: asyncio.Queue[TaskProgress | None] = asyncio.Queue(QUEUE_SIZE)
        channel.subscribers.add(queue)
        if channel.poller is None or channel.poller.done():
            channel.poller = asyncio.create_task(self._poll(task_id, channel), name=f"progress-{task_id}")
        try:
            yield queue
        finally:
            channel.subscribers.discard(queue)
            if not channel.subscribers:
                if self._channels.get(task_id) is channel:
                    del self._channels[task_id]
                if channel.poller is not None:
                    channel.poller.cancel()

    async def close(self) -> None:
        """Stop every poller (app shutdown)."""
        pollers = [channel.poller for channel in self._channels.values() if channel.poller is not None]
        self._channels.clear()
        for poller in pollers:
            poller.cancel()
        await asyncio.gather(*pollers, return_exceptions=True)

    async def _poll(self, task_id: str, channel: _Channel) -> None:
        last: TaskProgress | None = None
        first = True
        while True:
            try:
                state = await anyio.to_thread.run_sync(self._read, task_id, abandon_on_cancel=True)
            except Exception as exc:  # keep polling: the DB may come back
                logger.warning("progress poll of %s failed: %s", task_id, exc)
                await asyncio.sleep(max(self.interval_s, ERROR_BACKOFF_S))
                continue
            if first or state != last:
                first, last = False, state
                for queue in list(channel.subscribers):
                    _offer(queue, state)
            if state is None:
                return
            await asyncio.sleep(self.interval_s)

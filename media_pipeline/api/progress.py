"""Progress fan-out: ONE poller per API process reads the task rows of every followed video in one query at a
short interval and pushes each change to the video's subscribed client queues (any number of clients and
videos cost one DB read per interval).

Subscribers register their queue before they read their snapshot, and the poller publishes its first read of
a video, so no change between a client's snapshot and its stream is lost (clients drop events not newer than
their snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence

import anyio

from media_pipeline.store import TaskProgress

logger = logging.getLogger(__name__)

QUEUE_SIZE = 64
ERROR_BACKOFF_S = 2.0


Reader = Callable[[Sequence[str]], dict[str, TaskProgress]]
"""Reads the current progress of task ids at once (ids of tasks that no longer exist are left out)."""


class _Channel:
    def __init__(self) -> None:
        self.subscribers: set[asyncio.Queue[TaskProgress | None]] = set()
        self.published = False
        """Whether the poller has published a state of the video yet."""
        self.last: TaskProgress | None = None


def _offer(queue: asyncio.Queue[TaskProgress | None], item: TaskProgress | None) -> None:
    """Put without blocking; a slow client loses its oldest pending event (the newest state matters)."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)


class ProgressHub:
    """The followed videos and their poller; lives on the app's event loop."""

    def __init__(self, read: Reader, interval_s: float) -> None:
        self._read = read
        self.interval_s = interval_s
        self._channels: dict[str, _Channel] = {}
        self._poller: asyncio.Task[None] | None = None

    async def snapshot(self, task_id: str) -> TaskProgress | None:
        """The task's state now (read in a worker thread)."""
        states = await anyio.to_thread.run_sync(self._read, [task_id])
        return states.get(task_id)

    def followed_count(self) -> int:
        """How many videos are being polled (those with subscribers)."""
        return len(self._channels) if self._poller is not None and not self._poller.done() else 0

    @contextlib.asynccontextmanager
    async def subscribe(self, task_id: str) -> AsyncIterator[asyncio.Queue[TaskProgress | None]]:
        """A queue receiving every change of ``task_id`` (None once the task is gone) while inside."""
        channel = self._channels.setdefault(task_id, _Channel())
        queue: asyncio.Queue[TaskProgress | None] = asyncio.Queue(QUEUE_SIZE)
        channel.subscribers.add(queue)
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll(), name="progress-poller")
        try:
            yield queue
        finally:
            channel.subscribers.discard(queue)
            if not channel.subscribers and self._channels.get(task_id) is channel:
                del self._channels[task_id]

    async def close(self) -> None:
        """Stop the poller (app shutdown)."""
        self._channels.clear()
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)

    async def _poll(self) -> None:
        """Until no video is followed: read them all, publish each one's first state and every change."""
        while self._channels:
            followed = dict(self._channels)
            try:
                states = await anyio.to_thread.run_sync(self._read, list(followed), abandon_on_cancel=True)
            except Exception as exc:  # keep polling: the DB may come back
                logger.warning("progress poll of %d videos failed: %s", len(followed), exc)
                await asyncio.sleep(max(self.interval_s, ERROR_BACKOFF_S))
                continue
            for task_id, channel in followed.items():
                state = states.get(task_id)
                if not channel.published or state != channel.last:
                    channel.published, channel.last = True, state
                    for queue in list(channel.subscribers):
                        _offer(queue, state)
            await asyncio.sleep(self.interval_s)

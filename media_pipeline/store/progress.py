"""Progress reads for live streams: one cheap read of a task row by id (no stage states)."""

from __future__ import annotations

from sqlalchemy import select

from media_pipeline.store.base import StoreBase
from media_pipeline.store.models import Task
from media_pipeline.store.views import TaskProgress

_COLUMNS = (
    Task.id,
    Task.generation,
    Task.status,
    Task.progress,
    Task.step,
    Task.message,
    Task.last_error,
    Task.updated_at,
)


class ProgressReader(StoreBase):
    """Reads task progress by id for the API's progress poller (ownership is checked by the caller, once
    when a client connects)."""

    def read(self, task_id: str) -> TaskProgress | None:
        """The task's progress, or None if it was deleted."""
        with self._read() as session:
            row = session.execute(select(*_COLUMNS).where(Task.id == task_id)).first()
        return None if row is None else TaskProgress.model_validate(row)

"""Progress reads for live streams: one cheap read of the task rows of the followed ids (no stage states)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from media_pipeline.store.base import StoreBase
from media_pipeline.store.models import Task
from media_pipeline.store.queries import in_chunks
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

    def read(self, task_ids: Sequence[str]) -> dict[str, TaskProgress]:
        """The progress of each task by id (one query per ``IN_CHUNK`` ids); deleted tasks are left out."""
        with self._read() as session:
            rows = [
                row
                for chunk in in_chunks(task_ids)
                for row in session.execute(select(*_COLUMNS).where(Task.id.in_(chunk)))
            ]
        return {row.id: TaskProgress.model_validate(row) for row in rows}

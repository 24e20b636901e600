"""Helpers for the store tests: database snapshots and shortcuts through the task lifecycle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, select

from media_pipeline.store import STAGES, ContentRecord, PipelineState, QueueService, TaskView
from media_pipeline.store.models import Base


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted, for "nothing changed" assertions."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in Base.metadata.sorted_tables
        }


def add_drafts(
    queue_service: QueueService, count: int, options: Mapping[str, Any] | None = None, prefix: str = "asset"
) -> list[TaskView]:
    """Add ``count`` drafts (assets ``asset-0``...) to the owner's queue."""
    version = queue_service.list_drafts().version
    return queue_service.add_assets([f"{prefix}-{i}" for i in range(count)], options, version).tasks


def queue_tasks(
    queue_service: QueueService, count: int, options: Mapping[str, Any] | None = None, prefix: str = "asset"
) -> list[TaskView]:
    """Add ``count`` drafts and run them; returns the queued tasks in queue order."""
    add_drafts(queue_service, count, options, prefix)
    return queue_service.run(queue_service.list_drafts().version).queued


def finish_stages(
    state: PipelineState,
    task_id: str,
    stages: Iterable[str] = STAGES,
    generation: int = 1,
    contents: Mapping[str, list[ContentRecord]] | None = None,
) -> None:
    """Start and complete ``stages`` in order (run ids ``run-<stage>``)."""
    for stage in stages:
        run_id = f"run-{generation}-{stage}"
        assert state.stage_started(task_id, generation, stage, run_id, 4242)
        assert state.stage_completed(task_id, generation, stage, run_id, (contents or {}).get(stage, []))

"""Helpers for the store tests: database snapshots and shortcuts through the task lifecycle."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, select

from media_pipeline.settings import Settings
from media_pipeline.store import (
    STAGES,
    ContentRecord,
    PipelineState,
    QueueService,
    StageStateView,
    StageStatus,
    TaskView,
    resolve_engine,
    session_factory,
)
from media_pipeline.store.models import Base, TaskStageState


def configuration(cls: type, settings: Settings) -> dict[str, Any]:
    """The arguments from ``settings`` that service ``cls`` takes (each service names what it reads)."""
    offered = {
        "settings": settings,
        "token_file": settings.channel_token_file,
        "max_failures": settings.login_max_failures,
        "window_s": settings.login_window_s,
    }
    wanted = inspect.signature(cls).parameters
    return {name: value for name, value in offered.items() if name in wanted}


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


def stage_state(db: Engine | str, task_id: str, generation: int, stage: str) -> StageStateView | None:
    """The stored state of one stage of one generation (None if there is none)."""
    with session_factory(resolve_engine(db))() as session:
        state = session.scalars(
            select(TaskStageState).where(
                TaskStageState.task_id == task_id,
                TaskStageState.generation == generation,
                TaskStageState.stage == stage,
            )
        ).first()
        return None if state is None else StageStateView.model_validate(state)


def active_run_ids(db: Engine | str, task_id: str) -> list[str]:
    """Runs recorded as processing a stage of the task."""
    with session_factory(resolve_engine(db))() as session:
        return list(
            session.scalars(
                select(TaskStageState.run_id).where(
                    TaskStageState.task_id == task_id,
                    TaskStageState.status == StageStatus.PROCESSING,
                    TaskStageState.run_id.is_not(None),
                )
            )
        )


class FakeRunControl:
    """Records terminate requests; ``fail`` makes it raise."""

    def __init__(self, fail: bool = False) -> None:
        self.terminated: list[str] = []
        self.fail = fail

    def terminate(self, run_id: str) -> bool:
        """Record ``run_id`` (or raise if ``fail``)."""
        if self.fail:
            raise RuntimeError("dagster is down")
        self.terminated.append(run_id)
        return True


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Start ``calls`` together in threads; each result is the return value or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        barrier.wait(timeout=30)
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=worker, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results

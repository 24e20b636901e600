"""App database (SQLAlchemy + Alembic) and the services over it: queue, tasks, schedules, pipeline state.

The names below are imported from their modules on first use (PEP 562), so importing one submodule (say,
``store.heartbeats`` in a stage run's worker) does not load every service, the queue logic and Alembic.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "media_pipeline.domain.stages": ("STAGES", "Stage"),
    "media_pipeline.store.db": ("make_engine", "resolve_engine", "session_factory", "upgrade_db"),
    "media_pipeline.store.enums": (
        "ContentKind",
        "LogAction",
        "LogLevel",
        "Repeat",
        "StageStatus",
        "TaskStatus",
    ),
    "media_pipeline.store.errors": (
        "ConflictError",
        "LimitExceeded",
        "NotFoundError",
        "StoreError",
        "ValidationFailed",
    ),
    "media_pipeline.store.housekeeping": ("Housekeeping",),
    "media_pipeline.store.owner": ("Owner",),
    "media_pipeline.store.pipeline_state": ("ContentRecord", "LaunchItem", "PipelineState"),
    "media_pipeline.store.queue_service": ("QueueService",),
    "media_pipeline.store.repeat": ("RepeatConfig", "next_occurrence"),
    "media_pipeline.store.run_control": ("RunControl",),
    "media_pipeline.store.run_requests": ("idempotency_key", "version_key"),
    "media_pipeline.store.schedule_service": ("ScheduleService",),
    "media_pipeline.store.task_service": ("TaskService",),
    "media_pipeline.store.views": (
        "AddResult",
        "ContentView",
        "DeleteResult",
        "LogView",
        "QueueChange",
        "QueueView",
        "RerunResult",
        "RunResult",
        "ScheduleView",
        "StageStateView",
        "StageTab",
        "StageTabs",
        "StopResult",
        "TabItem",
        "TaskProgress",
        "TaskView",
    ),
}
"""The public names of the package, by the module that defines them."""
_SOURCES = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access (then cached in this module)."""
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])

"""App database (SQLAlchemy + Alembic) and the services over it: queue, tasks, schedules, pipeline state.

The names below are imported from their modules on first use (PEP 562), so importing one submodule (say,
``store.heartbeats`` in a stage run's worker) does not load every service, the queue logic and Alembic.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "media_pipeline.domain.stages": ("STAGES", "Stage"),
    "media_pipeline.store.backup": ("Manifest", "create_backup", "restore_backup"),
    "media_pipeline.store.channels": ("ChannelService",),
    "media_pipeline.store.clock": ("Clock",),
    "media_pipeline.store.credit_estimate": ("EstimateView", "estimate"),
    "media_pipeline.store.credits": (
        "CreditAdmin",
        "CreditBalanceView",
        "CreditService",
        "CreditUsageView",
        "LedgerEntryView",
    ),
    "media_pipeline.store.db": (
        "current_revision",
        "ensure_migrated",
        "head_revision",
        "make_engine",
        "resolve_engine",
        "session_factory",
        "upgrade_db",
    ),
    "media_pipeline.store.enums": (
        "ACTIVE_STATUSES",
        "ContentKind",
        "LogAction",
        "LogLevel",
        "OPEN_STAGE_STATUSES",
        "Repeat",
        "StageStatus",
        "TERMINAL_STATUSES",
        "TaskStatus",
        "UserContentStatus",
        "UserContentType",
    ),
    "media_pipeline.store.errors": (
        "ConflictError",
        "InsufficientCredits",
        "LimitExceeded",
        "NotFoundError",
        "ScriptNotApproved",
        "StoreError",
        "StoreUnavailable",
        "ValidationFailed",
    ),
    "media_pipeline.store.housekeeping": ("Housekeeping",),
    "media_pipeline.store.image_jobs": ("ImageJobView", "ImageTaskView", "JobStatus"),
    "media_pipeline.store.owner": ("Owner",),
    "media_pipeline.store.pipeline_state": ("ContentRecord", "LaunchItem", "PipelineState"),
    "media_pipeline.store.plans": ("WorkspacePlans",),
    "media_pipeline.store.progress": ("ProgressReader",),
    "media_pipeline.store.queue_service": ("QueueService",),
    "media_pipeline.store.render_jobs": ("RenderJobReader", "job_id"),
    "media_pipeline.store.repeat": ("RepeatConfig", "next_occurrence"),
    "media_pipeline.store.run_control": ("RunControl",),
    "media_pipeline.store.schedule_service": ("ScheduleService",),
    "media_pipeline.store.stats": ("PipelineStats", "StageDurations", "StatsReader"),
    "media_pipeline.store.task_service": ("TaskService",),
    "media_pipeline.store.user_contents": ("UserContentService",),
    "media_pipeline.store.users": ("MAX_PASSWORD_LEN", "UserService"),
    "media_pipeline.store.views": (
        "AddResult",
        "ChannelView",
        "ContentView",
        "DeleteResult",
        "DeletedContentView",
        "LogView",
        "PlanView",
        "PublishedView",
        "QueueChange",
        "QueueView",
        "RenderJobView",
        "RerunResult",
        "RunResult",
        "ScheduleView",
        "StageStateView",
        "StageTab",
        "StageTabs",
        "StopResult",
        "StoppedProcess",
        "TabItem",
        "TaskProgress",
        "TaskView",
        "UserContentView",
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

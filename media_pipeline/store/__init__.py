"""App database (SQLAlchemy + Alembic) and the services over it: queue, tasks, schedules, pipeline state."""

from media_pipeline.domain.stages import STAGES, Stage
from media_pipeline.store.db import make_engine, resolve_engine, session_factory, upgrade_db
from media_pipeline.store.enums import ContentKind, LogAction, LogLevel, Repeat, StageStatus, TaskStatus
from media_pipeline.store.errors import (
    ConflictError,
    LimitExceeded,
    NotFoundError,
    StoreError,
    ValidationFailed,
)
from media_pipeline.store.housekeeping import Housekeeping
from media_pipeline.store.owner import Owner
from media_pipeline.store.pipeline_state import ContentRecord, LaunchItem, PipelineState
from media_pipeline.store.queue_service import QueueService
from media_pipeline.store.repeat import RepeatConfig, next_occurrence
from media_pipeline.store.run_control import RunControl
from media_pipeline.store.schedule_service import ScheduleService
from media_pipeline.store.task_service import TaskService
from media_pipeline.store.views import (
    AddResult,
    ContentView,
    DeleteResult,
    LogView,
    QueueChange,
    QueueView,
    RerunResult,
    RunResult,
    ScheduleView,
    StageStateView,
    StageTab,
    StageTabs,
    StopResult,
    TabItem,
    TaskProgress,
    TaskView,
)

__all__ = [
    "STAGES",
    "AddResult",
    "ConflictError",
    "ContentKind",
    "ContentRecord",
    "ContentView",
    "DeleteResult",
    "Housekeeping",
    "LaunchItem",
    "LimitExceeded",
    "LogAction",
    "LogLevel",
    "LogView",
    "NotFoundError",
    "Owner",
    "PipelineState",
    "QueueChange",
    "QueueService",
    "QueueView",
    "Repeat",
    "RepeatConfig",
    "RerunResult",
    "RunControl",
    "RunResult",
    "ScheduleService",
    "ScheduleView",
    "Stage",
    "StageStateView",
    "StageStatus",
    "StageTab",
    "StageTabs",
    "StopResult",
    "StoreError",
    "TabItem",
    "TaskProgress",
    "TaskService",
    "TaskStatus",
    "TaskView",
    "ValidationFailed",
    "make_engine",
    "next_occurrence",
    "resolve_engine",
    "session_factory",
    "upgrade_db",
]

"""Query builders shared by the sensors' hot path (``launchable``), the UI tabs and owner scoping."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select
from sqlalchemy.orm import aliased

from media_pipeline.domain.stages import STAGES
from media_pipeline.store.enums import ACTIVE_STATUSES, StageStatus
from media_pipeline.store.models import Task, TaskStageState
from media_pipeline.store.owner import Owner


def owned_by(owner: Owner) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """WHERE conditions limiting ``Task`` rows to ``owner`` (docs/ARCHITECTURE.md §3, invariant 8)."""
    return Task.user_id == owner.user_id, Task.workspace_id == owner.workspace_id


def stage_ordinal(stage_column: ColumnElement[str]) -> ColumnElement[int]:
    """The stage's index in ``STAGES`` as a SQL expression."""
    return case({stage: index for index, stage in enumerate(STAGES)}, value=stage_column)


def current_stage_select(*columns: Any) -> Select[Any]:
    """``columns`` of active tasks joined with the state of their current stage: the first stage
    (in ``STAGES`` order) of the task's current generation that is not completed.

    One statement: the current stage is a correlated MIN over the task's <= 5 stage rows, found through
    the unique (task_id, generation, stage) index.
    """
    other = aliased(TaskStageState)
    first_open = (
        select(func.min(stage_ordinal(other.stage)))
        .where(
            other.task_id == Task.id,
            other.generation == Task.generation,
            other.status != StageStatus.COMPLETED,
        )
        .correlate(Task)
        .scalar_subquery()
    )
    return (
        select(*columns)
        .select_from(Task)
        .join(
            TaskStageState,
            and_(TaskStageState.task_id == Task.id, TaskStageState.generation == Task.generation),
        )
        .where(Task.status.in_(ACTIVE_STATUSES), stage_ordinal(TaskStageState.stage) == first_open)
    )


QUEUE_ORDER = (Task.queued_at, Task.queue_position, Task.id)
"""Launch order: first queued first, then queue position."""

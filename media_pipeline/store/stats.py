"""Operator statistics over all owners: tasks by status, what waits in each stage (and since when), stage run
times, and the retries, rescues and stalls recorded in the task logs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, SQLColumnExpression, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from media_pipeline.domain.statuses import StageStatus, TaskStatus
from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import as_utc
from media_pipeline.store.enums import LogAction
from media_pipeline.store.errors import StoreUnavailable
from media_pipeline.store.models import Task, TaskLog, TaskStageState
from media_pipeline.store.queries import current_stage_select


@dataclass(frozen=True)
class StageDurations:
    """Completed runs of one stage: how many, their total seconds, and how many took at most each bound."""

    count: int
    total_s: float
    at_most: tuple[int, ...]


@dataclass(frozen=True)
class PipelineStats:
    """One consistent read of the statistics."""

    tasks: dict[TaskStatus, int]
    drafts: int
    open_stages: dict[tuple[str, StageStatus], int]
    """Active tasks by (current stage, its waiting/processing status)."""
    durations: dict[str, StageDurations]
    oldest_waiting_s: dict[str, float]
    """Per stage: seconds since the earliest queued active task waiting in it was queued."""
    retries: dict[str, int]
    """Per stage: transient failures that were retried (``retry`` logs)."""
    rescues: dict[str, int]
    """Per stage: runs rescued after their worker was lost or stalled (failures marked ``RESCUED``)."""
    stalls: dict[str, int]
    """Per stage: runs ended because they made no progress (failures marked ``STALLED``)."""


RESCUED = "rescued:"
"""How a rescued run's failure starts (orchestration/rescue.py)."""
STALLED = f"{RESCUED} stalled:"
"""How the failure of a run ended for lack of progress starts (a rescue whose reason is a stall;
orchestration/rescue.py, progress-based liveness)."""


def _seconds_between(
    start: SQLColumnExpression[datetime | None], end: SQLColumnExpression[datetime | None], dialect: str
) -> ColumnElement[Any]:
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


class StatsReader(StoreBase):
    """Reads ``PipelineStats`` (StoreUnavailable if the database does not answer)."""

    def read(self, bounds_s: Sequence[float]) -> PipelineStats:
        """The statistics, stage durations bucketed by ``bounds_s``."""
        try:
            with self._read() as session:
                connection = session.connection()
                counted = connection.execute(select(Task.status, func.count()).group_by(Task.status)).all()
                tasks = {status: count for status, count in counted}
                open_stages: Sequence[tuple[str, StageStatus, int]] = connection.execute(
                    current_stage_select(TaskStageState.stage, TaskStageState.status, func.count()).group_by(
                        TaskStageState.stage, TaskStageState.status
                    )
                ).all()
                durations = self._durations(connection, bounds_s)
                oldest = connection.execute(
                    current_stage_select(TaskStageState.stage, func.min(Task.queued_at))
                    .where(TaskStageState.status == StageStatus.WAITING)
                    .group_by(TaskStageState.stage)
                ).all()
                failures = self._failures(connection)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the app DB did not answer: {exc}") from exc
        now = self.now()
        return PipelineStats(
            tasks={TaskStatus(status): count for status, count in tasks.items()},
            drafts=tasks.get(TaskStatus.DRAFT, 0),
            open_stages={(stage, status): count for stage, status, count in open_stages},
            durations=durations,
            oldest_waiting_s={
                str(stage): max(0.0, (now - as_utc(queued)).total_seconds())
                for stage, queued in oldest
                if isinstance(queued, datetime)
            },
            **failures,
        )

    @staticmethod
    def _failures(connection: Connection) -> dict[str, dict[str, int]]:
        """Retries, rescues and stalls per stage, counted from the task logs."""
        failed = TaskLog.action_type.in_([LogAction.RETRY, LogAction.FAIL])
        columns = {
            "retries": func.sum(case((TaskLog.action_type == LogAction.RETRY, 1), else_=0)),
            "rescues": func.sum(case((TaskLog.message.startswith(RESCUED), 1), else_=0)),
            "stalls": func.sum(case((TaskLog.message.startswith(STALLED), 1), else_=0)),
        }
        rows = connection.execute(
            select(TaskLog.stage, *columns.values())
            .where(failed, TaskLog.stage.is_not(None))
            .group_by(TaskLog.stage)
        ).all()
        return {name: {row[0]: int(row[index] or 0) for row in rows} for index, name in enumerate(columns, 1)}

    @staticmethod
    def _durations(connection: Connection, bounds_s: Sequence[float]) -> dict[str, StageDurations]:
        seconds = _seconds_between(
            TaskStageState.started_at, TaskStageState.finished_at, connection.dialect.name
        )
        bucket_columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds_s]
        rows: Sequence[tuple[Any, ...]] = connection.execute(
            select(TaskStageState.stage, func.count(), func.sum(seconds), *bucket_columns)
            .where(
                TaskStageState.status == StageStatus.COMPLETED,
                TaskStageState.started_at.is_not(None),
                TaskStageState.finished_at.is_not(None),
            )
            .group_by(TaskStageState.stage)
        ).all()
        return {
            stage: StageDurations(int(count or 0), float(total or 0.0), tuple(int(n or 0) for n in at_most))
            for stage, count, total, *at_most in rows
        }

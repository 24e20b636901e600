"""Operator statistics over all owners: tasks by status, what waits in each stage, stage run times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, SQLColumnExpression, case, func, select
from sqlalchemy.exc import SQLAlchemyError

from media_pipeline.store.base import StoreBase
from media_pipeline.store.enums import StageStatus, TaskStatus
from media_pipeline.store.errors import StoreUnavailable
from media_pipeline.store.models import Task, TaskStageState
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
                open_stages: Sequence[tuple[str, StageStatus, int]] = (
                    connection.execute(
                        current_stage_select(
                            TaskStageState.stage, TaskStageState.status, func.count()
                        ).group_by(TaskStageState.stage, TaskStageState.status)
                    )
                    .tuples()
                    .all()
                )
                durations = self._durations(connection, bounds_s)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the app DB did not answer: {exc}") from exc
        return PipelineStats(
            tasks={TaskStatus(status): count for status, count in tasks.items()},
            drafts=tasks.get(TaskStatus.DRAFT, 0),
            open_stages={(stage, status): count for stage, status, count in open_stages},
            durations=durations,
        )

    @staticmethod
    def _durations(connection: Connection, bounds_s: Sequence[float]) -> dict[str, StageDurations]:
        seconds = _seconds_between(
            TaskStageState.started_at, TaskStageState.finished_at, connection.dialect.name
        )
        bucket_columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds_s]
        rows: Sequence[tuple[Any, ...]] = (
            connection.execute(
                select(TaskStageState.stage, func.count(), func.sum(seconds), *bucket_columns)
                .where(
                    TaskStageState.status == StageStatus.COMPLETED,
                    TaskStageState.started_at.is_not(None),
                    TaskStageState.finished_at.is_not(None),
                )
                .group_by(TaskStageState.stage)
            )
            .tuples()
            .all()
        )
        return {
            stage: StageDurations(int(count or 0), float(total or 0.0), tuple(int(n or 0) for n in at_most))
            for stage, count, total, *at_most in rows
        }

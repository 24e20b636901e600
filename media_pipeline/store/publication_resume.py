"""Publications resumed after a reconnect (docs/ARCHITECTURE.md §10, publications): a TikTok or Instagram
publication that failed because the platform refused its token names the channel setting whose account must
be connected again (``publications.awaiting_reconnect``). When that account is connected again, each such
publication of its task's current generation goes back to ``pending`` (once: the mark is cleared) and the
task's publish stage runs it through the normal path; its record (upload, container) keeps it from being
posted twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.stages import STAGES
from media_pipeline.domain.statuses import PublicationStatus, StageStatus, TaskStatus
from media_pipeline.store.models import Task, TaskStageState
from media_pipeline.store.publication_models import PublicationRow
from media_pipeline.store.state_machine import reopen_publishing


def resume_awaiting(
    session: Session, channel_setting_id: str, target: PublishTarget, now: datetime
) -> list[str]:
    """Resume the failed ``target`` publications waiting for this channel setting's reconnect; returns the
    ids of the tasks whose publishing was resumed. A publication of an older generation or a canceled task
    is only unmarked; one whose publish stage is running right now stays marked (that run has passed it)."""
    rows = session.scalars(
        select(PublicationRow)
        .where(
            PublicationRow.awaiting_reconnect == channel_setting_id,
            PublicationRow.target == target,
            PublicationRow.status == PublicationStatus.FAILED,
        )
        .order_by(PublicationRow.id)
    ).all()
    resumed: list[str] = []
    for row in rows:
        task = session.scalar(select(Task).where(Task.id == row.task_id).with_for_update())
        if task is None or task.generation != row.generation or task.status is TaskStatus.CANCELED:
            row.awaiting_reconnect, row.updated_at = None, now
            continue
        state = session.scalar(
            select(TaskStageState)
            .where(
                TaskStageState.task_id == task.id,
                TaskStageState.generation == task.generation,
                TaskStageState.stage == STAGES[-1],
            )
            .with_for_update()
        )
        if state is None or state.status is StageStatus.PROCESSING:
            continue
        row.status, row.error, row.deferred_until = PublicationStatus.PENDING, None, None
        row.awaiting_reconnect, row.updated_at = None, now
        reopen_publishing(
            session, task, state, now, f"publishing resumed: the {target} account is connected again"
        )
        resumed.append(task.id)
    return resumed

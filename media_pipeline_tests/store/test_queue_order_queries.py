"""``launchable`` and the stage tabs read the earliest active tasks off the queue-order index in widening
windows; on random data they give exactly what the single statement they replaced gave.

The replaced statement lives here only, as the reference: every active task's current stage (a correlated
MIN over its stage rows), sorted by queue order, then limited.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from media_pipeline.domain.models import VideoType
from media_pipeline.domain.stages import STAGES, Stage
from media_pipeline.domain.statuses import ACTIVE_STATUSES, StageStatus, TaskStatus
from media_pipeline.store import Owner, PipelineState, TaskService
from media_pipeline.store.models import Queue, Task, TaskStageState
from media_pipeline.store.pipeline_state import LaunchItem
from media_pipeline.store.queries import QUEUE_ORDER, stage_ordinal

OWNERS = (Owner(user_id="user-1", workspace_id="ws-1"), Owner(user_id="user-2", workspace_id="ws-1"))
TASKS = 400


def reference_current(*columns: Any) -> Select[Any]:
    """The replaced statement: every active task joined with its current stage's state."""
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
        .order_by(*QUEUE_ORDER)
    )


def reference_launchable(session: Session, now: datetime, limit: int) -> list[LaunchItem]:
    stmt = reference_current(Task.id, Task.generation, TaskStageState.stage, TaskStageState.attempt).where(
        TaskStageState.status == StageStatus.WAITING,
        or_(TaskStageState.next_retry_at.is_(None), TaskStageState.next_retry_at <= now),
        or_(
            TaskStageState.stage == Stage.SCRIPT,
            Task.requires_approval.is_(False),
            Task.script_approved_at.is_not(None),
        ),
    )
    return [LaunchItem(*row) for row in session.execute(stmt.limit(limit))]


def reference_columns(session: Session, owner: Owner, limit: int) -> dict[str, dict[str, list[str]]]:
    """Task ids per stage tab column, filled from the owner's first ``limit`` x 5 active tasks."""
    stmt = reference_current(Task.id, TaskStageState.stage, TaskStageState.status).where(
        Task.user_id == owner.user_id, Task.workspace_id == owner.workspace_id
    )
    columns: dict[str, dict[str, list[str]]] = {stage: {"waiting": [], "processing": []} for stage in STAGES}
    for task_id, stage, status in session.execute(stmt.limit(limit * len(STAGES))):
        column = columns[stage].get(status.value)
        if column is not None and len(column) < limit:
            column.append(task_id)
    return columns


def random_tasks(engine: Engine, rng: random.Random, now: datetime) -> None:
    """``TASKS`` tasks of two owners in every status, with clashing queue times and positions (and NULLs),
    up to three generations of random stage states, approvals and retry times."""
    times = [None, *(now - timedelta(minutes=minutes) for minutes in range(8))]
    with Session(engine) as session, session.begin():
        queue = Queue(id="q-1", user_id="user-1", workspace_id="ws-1", name="q", default_options={})
        session.add(queue)
        for number in range(TASKS):
            owner = rng.choice(OWNERS)
            generation = rng.randint(0, 3)
            task = Task(
                id=f"t{number:04d}",
                user_id=owner.user_id,
                workspace_id=owner.workspace_id,
                queue_id=queue.id,
                title=f"task {number}",
                type=VideoType.SHORTFORM,
                settings={},
                status=rng.choice([*TaskStatus, *ACTIVE_STATUSES, *ACTIVE_STATUSES]),
                queued_at=rng.choice(times),
                queue_position=rng.choice([None, *range(5)]),
                generation=generation,
                requires_approval=rng.random() < 0.3,
                script_approved_at=rng.choice([None, now]),
            )
            session.add(task)
            processing = False
            for stage_generation in range(1, generation + 1):
                for stage in STAGES:
                    status = rng.choice(list(StageStatus))
                    if status is StageStatus.PROCESSING:
                        if processing:  # at most one processing stage per task (unique index)
                            status = StageStatus.WAITING
                        processing = True
                    session.add(
                        TaskStageState(
                            task_id=task.id,
                            generation=stage_generation,
                            stage=stage,
                            status=status,
                            attempt=rng.randint(0, 2),
                            next_retry_at=rng.choice(
                                [None, now - timedelta(seconds=5), now + timedelta(seconds=5)]
                            ),
                        )
                    )


@pytest.mark.parametrize("seed", [1, 2])
def test_windowed_queries_equal_the_replaced_statement(
    seed: int, db_engine: Engine, make_service: Callable[..., Any], clock: Any
) -> None:
    rng = random.Random(seed)
    random_tasks(db_engine, rng, clock())
    state = make_service(PipelineState)
    with Session(db_engine) as session:
        for limit in (1, 2, 5, 13, 60, TASKS):
            expected = reference_launchable(session, clock(), limit)
            assert state.launchable(clock(), limit) == expected
        assert len(reference_launchable(session, clock(), TASKS)) > 13  # the small limits had to widen
        for owner in OWNERS:
            service: TaskService = make_service(TaskService, owner)
            for limit in (1, 3, 10, 100):
                tabs = service.stage_tabs(limit).stages
                got = {
                    stage: {"waiting": [item.task_id for item in tab.waiting],
                            "processing": [item.task_id for item in tab.processing]}
                    for stage, tab in tabs.items()
                }  # fmt: skip
                assert got == reference_columns(session, owner, limit)

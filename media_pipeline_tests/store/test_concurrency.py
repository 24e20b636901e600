"""Concurrent callers on both databases: exactly one transition wins (invariants 1-3)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, update

from media_pipeline.settings import Settings
from media_pipeline.store import (
    ConflictError,
    Housekeeping,
    Owner,
    PipelineState,
    QueueService,
    ScheduleService,
    TaskService,
    TaskStatus,
    make_engine,
)
from media_pipeline.store.db import session_factory
from media_pipeline.store.models import Queue, TaskStageState
from media_pipeline_tests.store.support import add_drafts, configuration, finish_stages, queue_tasks, race
from media_pipeline_tests.store.workers import run_queue

ROUNDS = 3


@pytest.fixture
def engines(db_url: str) -> Any:
    """Separate engines, as separate app processes would have."""
    created = [make_engine(db_url) for _ in range(2)]
    yield created
    for engine in created:
        engine.dispose()


def services(
    cls: type, engines: list[Engine], owner: Owner | None, clock: Any, settings: Settings
) -> list[Any]:
    args = [] if owner is None else [owner]
    return [cls(engine, *args, clock=clock, **configuration(cls, settings)) for engine in engines]


def test_two_threads_running_the_same_version_queue_once(
    queue_service: QueueService, engines: list[Engine], owner: Owner, clock: Any, settings: Settings
) -> None:
    first, second = services(QueueService, engines, owner, clock, settings)
    for round_ in range(ROUNDS):
        add_drafts(queue_service, 3, prefix=f"r{round_}")
        version = queue_service.list_drafts().version
        outcomes = race(lambda v=version: first.run(v), lambda v=version: second.run(v))
        winners = [outcome for outcome in outcomes if not isinstance(outcome, ConflictError)]
        assert len(winners) == 1, outcomes
        assert len(winners[0].queued) == 3
    with engines[0].connect() as connection:
        count = connection.execute(select(func.count()).select_from(TaskStageState)).scalar()
    assert count == ROUNDS * 3 * 5


def test_a_run_waiting_behind_a_concurrent_change_sees_the_new_version(
    queue_service: QueueService,
    db_engine: Engine,
    engines: list[Engine],
    owner: Owner,
    clock: Any,
    settings: Settings,
) -> None:
    add_drafts(queue_service, 2)
    queue = queue_service.get_or_create_default_queue()
    (late,) = services(QueueService, engines[:1], owner, clock, settings)
    outcome: list[Any] = []
    # the late run's locking statement: SQLite's write lock / PostgreSQL's row lock on the queue
    started, returned = _locking_statement(engines[0], ("BEGIN IMMEDIATE", "UPDATE queues"))
    with session_factory(db_engine).begin() as session:  # another caller, mid-transaction
        session.execute(update(Queue).where(Queue.id == queue.id).values(version=queue.version + 1))
        thread = threading.Thread(target=lambda: outcome.append(_try(lambda: late.run(queue.version))))
        thread.start()
        assert started.wait(timeout=30)  # the late run reached the lock...
        assert not returned.wait(timeout=1)  # ...and waits on it while this transaction holds it
        assert outcome == []
    thread.join(timeout=30)
    assert returned.is_set()
    assert isinstance(outcome[0], ConflictError)
    assert {task.status for task in queue_service.list_drafts().tasks} == {TaskStatus.DRAFT}


def _locking_statement(engine: Engine, prefixes: tuple[str, ...]) -> tuple[threading.Event, threading.Event]:
    """Events set when ``engine`` starts, and when it gets back from, its first statement that begins with
    one of ``prefixes``."""
    started, returned = threading.Event(), threading.Event()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(prefixes):
            started.set()

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(prefixes) and started.is_set():
            returned.set()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    return started, returned


def _try(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        return exc


def test_two_processes_running_the_same_version_queue_once(
    queue_service: QueueService, db_url: str, owner: Owner, db_engine: Engine
) -> None:
    add_drafts(queue_service, 4)
    version = queue_service.list_drafts().version
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [
        context.Process(
            target=run_queue, args=(db_url, owner.user_id, owner.workspace_id, version, barrier, results)
        )
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    outcomes = sorted(results.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    assert outcomes == [("conflict", 0), ("queued", 4)]
    with db_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(TaskStageState)).scalar() == 4 * 5


def test_two_threads_adding_the_same_asset_make_one_draft(
    queue_service: QueueService, engines: list[Engine], owner: Owner, clock: Any, settings: Settings
) -> None:
    first, second = services(QueueService, engines, owner, clock, settings)
    version = queue_service.list_drafts().version
    outcomes = race(
        lambda: first.add_assets(["same"], None, version), lambda: second.add_assets(["same"], None, version)
    )
    assert sum(isinstance(outcome, ConflictError) for outcome in outcomes) == 1
    assert [task.asset_id for task in queue_service.list_drafts().tasks] == ["same"]


def test_two_threads_firing_due_schedules_queue_one_generation(
    queue_service: QueueService,
    schedule_service: ScheduleService,
    task_service: TaskService,
    engines: list[Engine],
    clock: Any,
    settings: Settings,
) -> None:
    tasks = add_drafts(queue_service, 3)
    for task in tasks:
        schedule_service.create(task.id, clock() + timedelta(minutes=1), repeat="daily")
    queue_service.run(queue_service.list_drafts().version)
    clock.advance(60)
    first, second = services(Housekeeping, engines, None, clock, settings)
    outcomes = race(
        lambda: first.queue_due_repeats(clock()).queued, lambda: second.queue_due_repeats(clock()).queued
    )
    assert sum(outcomes) == 3
    assert [task_service.get(task.id).generation for task in tasks] == [1, 1, 1]


def test_two_threads_reporting_the_same_completion_record_it_once(
    queue_service: QueueService,
    task_service: TaskService,
    engines: list[Engine],
    clock: Any,
    settings: Settings,
) -> None:
    tasks = queue_tasks(queue_service, ROUNDS)
    first, second = services(PipelineState, engines, None, clock, settings)
    for task in tasks:
        finish_stages(first, task.id, ["script"])
        first.stage_started(task.id, 1, "images", "r", None)
        outcomes = race(
            lambda task_id=task.id: first.stage_completed(task_id, 1, "images", "r", []),
            lambda task_id=task.id: second.stage_completed(task_id, 1, "images", "r", []),
        )
        assert sorted(outcomes) == [False, True]
        assert len(task_service.logs(task.id, action="complete", stage="images")) == 1


def test_stop_racing_completion_leaves_a_consistent_task(
    queue_service: QueueService,
    task_service: TaskService,
    engines: list[Engine],
    owner: Owner,
    clock: Any,
    settings: Settings,
) -> None:
    tasks = queue_tasks(queue_service, ROUNDS)
    (state,) = services(PipelineState, engines[:1], None, clock, settings)
    (stopper,) = services(TaskService, engines[1:], owner, clock, settings)
    for task in tasks:
        finish_stages(state, task.id, ["script", "images", "video", "thumbnail"])
        state.stage_started(task.id, 1, "youtube_video", "r", None)
        stopped, completed = race(
            lambda task_id=task.id: stopper.stop(task_id),
            lambda task_id=task.id: state.stage_completed(task_id, 1, "youtube_video", "r", []),
        )
        final = task_service.get(task.id)
        if completed:
            assert final.status is TaskStatus.SUCCEEDED and not stopped.changed
        else:
            assert final.status is TaskStatus.CANCELED and stopped.changed


def test_two_threads_creating_the_default_queue_get_the_same_one(
    engines: list[Engine], clock: Any, settings: Settings
) -> None:
    newcomer = Owner(user_id="new-user", workspace_id="ws-9")
    first, second = services(QueueService, engines, newcomer, clock, settings)
    outcomes = race(first.get_or_create_default_queue, second.get_or_create_default_queue)
    assert not any(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert outcomes[0].id == outcomes[1].id

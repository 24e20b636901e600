"""The draft queue: add, list, patch, reorder, delete, run (docs/ARCHITECTURE.md §3, invariants 2, 3,
8)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.settings import PlanLimits, Settings
from media_pipeline.store import (
    STAGES,
    ConflictError,
    Housekeeping,
    LimitExceeded,
    NotFoundError,
    Owner,
    PipelineState,
    QueueService,
    ScheduleService,
    StageStatus,
    TaskService,
    TaskStatus,
    ValidationFailed,
    idempotency_key,
    version_key,
)
from media_pipeline.store.db import session_factory
from media_pipeline.store.models import TaskStageState
from media_pipeline.store.plans import WorkspacePlans
from media_pipeline_tests.store.support import add_drafts, finish_stages, snapshot

PRODUCT = {"name": "Lamp", "price": "9.99"}


def fields(error: ValidationFailed) -> set[str]:
    return {entry["field"] for entry in error.errors}


# -- queue ----------------------------------------------------------------------------------------------


def test_default_queue_is_created_once_per_owner(
    queue_service: QueueService, make_service: Callable[..., Any], other_owner: Owner
) -> None:
    first = queue_service.get_or_create_default_queue()
    assert (first.name, first.version, first.default_options) == ("Default Queue", 1, {})
    assert queue_service.get_or_create_default_queue() == first
    other = make_service(QueueService, other_owner).get_or_create_default_queue()
    assert other.id != first.id


def test_update_queue_name_and_defaults(queue_service: QueueService) -> None:
    queue = queue_service.get_or_create_default_queue()
    updated = queue_service.update_queue(queue.version, name=" Shorts ", default_options={"image_count": 3})
    assert updated.name == "Shorts"
    assert updated.default_options == {"imageCount": 3}
    assert updated.version == queue.version + 1


def test_update_queue_rejects_invalid_defaults_field_by_field(queue_service: QueueService) -> None:
    queue = queue_service.get_or_create_default_queue()
    with pytest.raises(ValidationFailed) as caught:
        queue_service.update_queue(queue.version, name="", default_options={"imageCount": 0, "title": "x"})
    assert fields(caught.value) == {"name", "imageCount", "title"}
    assert queue_service.get_or_create_default_queue() == queue


# -- add ------------------------------------------------------------------------------------------------


def test_add_applies_queue_defaults_when_options_are_absent(queue_service: QueueService) -> None:
    queue = queue_service.get_or_create_default_queue()
    version = queue_service.update_queue(
        queue.version, default_options={"imageCount": 4, "language": "en"}
    ).version
    result = queue_service.add_assets(["cat.jpg"], None, version)
    (task,) = result.tasks
    assert task.settings["imageCount"] == 4
    assert task.settings["language"] == "en"
    assert task.title == "cat.jpg"
    assert task.status is TaskStatus.DRAFT
    assert result.created_ids == [task.id]


def test_add_merges_options_over_defaults(queue_service: QueueService) -> None:
    queue = queue_service.get_or_create_default_queue()
    version = queue_service.update_queue(
        queue.version, default_options={"imageCount": 4, "language": "en"}
    ).version
    options = {
        "title": "My lamp",
        "type": "product",
        "product": PRODUCT,
        "media_mode": "local",
        "imageCount": 2,
    }
    (task,) = queue_service.add_assets(["lamp"], options, version).tasks
    assert task.title == "My lamp"
    assert task.settings["imageCount"] == 2
    assert task.settings["language"] == "en"
    assert task.type.value == "product"
    assert task.product == {"name": "Lamp", "description": "", "price": "9.99", "features": [], "url": None}


def test_add_appends_positions_and_never_doubles_a_draft(queue_service: QueueService) -> None:
    first = queue_service.add_assets(["a", "b", "a"], None, queue_service.list_drafts().version)
    assert [task.asset_id for task in first.tasks] == ["a", "b"]
    second = queue_service.add_assets(["c", "a"], {"imageCount": 9}, first.version)
    assert second.created_ids == [second.tasks[0].id]
    assert second.tasks[1].id == first.tasks[0].id  # the existing draft is returned, unchanged
    assert second.tasks[1].settings["imageCount"] == 5
    drafts = queue_service.list_drafts()
    assert [(task.asset_id, task.queue_position) for task in drafts.tasks] == [("a", 0), ("b", 1), ("c", 2)]
    assert drafts.version == second.version


def test_add_validation_errors_are_field_level_and_nothing_is_written(
    queue_service: QueueService, db_engine: Engine
) -> None:
    version = queue_service.list_drafts().version
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as caught:
        queue_service.add_assets(["a"], {"imageCount": 0, "fps": 1000, "bogus": 1}, version)
    assert caught.value.code == "VALIDATION_ERROR"
    assert fields(caught.value) == {"imageCount", "fps", "bogus"}
    with pytest.raises(ValidationFailed) as caught:
        queue_service.add_assets(["a"], {"type": "product", "product": {"price": "1"}}, version)
    assert fields(caught.value) == {"product.name"}
    with pytest.raises(ValidationFailed, match="invalid options"):
        queue_service.add_assets(["a"], {"type": "product"}, version)  # product info missing
    with pytest.raises(ValidationFailed) as caught:
        queue_service.add_assets(["ok", " ", "x" * 201], None, version)
    assert fields(caught.value) == {"assetIds.1", "assetIds.2"}
    with pytest.raises(ValidationFailed):
        queue_service.add_assets([], None, version)
    assert snapshot(db_engine) == before


def test_add_validates_options_even_when_every_asset_already_has_a_draft(queue_service: QueueService) -> None:
    (existing,) = add_drafts(queue_service, 1)
    with pytest.raises(ValidationFailed) as caught:
        queue_service.add_assets([existing.asset_id], {"imageCount": 0}, queue_service.list_drafts().version)
    assert fields(caught.value) == {"imageCount"}


def test_add_limits_per_request_and_per_queue(queue_service: QueueService, db_engine: Engine) -> None:
    version = queue_service.list_drafts().version
    with pytest.raises(LimitExceeded) as caught:
        queue_service.add_assets([f"a{i}" for i in range(11)], None, version)
    assert caught.value.details == {"plan": "free", "limitName": "itemsPerAdd", "limit": 10, "requested": 11}
    for batch in range(2):
        version = queue_service.add_assets([f"b{batch}-{i}" for i in range(10)], None, version).version
    before = snapshot(db_engine)
    with pytest.raises(LimitExceeded) as caught:
        queue_service.add_assets([f"c{i}" for i in range(6)], None, version)
    assert caught.value.code == "LIMIT_EXCEEDED"
    assert caught.value.details == {
        "plan": "free",
        "limitName": "draftsPerQueue",
        "limit": 25,
        "current": 20,
        "requested": 6,
    }
    assert snapshot(db_engine) == before
    queue_service.add_assets(["b0-1", *[f"c{i}" for i in range(5)]], None, version)  # duplicates do not count


# -- patch ----------------------------------------------------------------------------------------------


def test_bulk_patch_merges_partially(queue_service: QueueService) -> None:
    tasks = add_drafts(queue_service, 3, {"imageCount": 3, "language": "en"})
    version = queue_service.list_drafts().version
    result = queue_service.bulk_patch([tasks[0].id, tasks[2].id], {"music": True, "title": "New"}, version)
    assert result.version == version + 1
    patched = {task.id: task for task in queue_service.list_drafts().tasks}
    for task_id in (tasks[0].id, tasks[2].id):
        assert patched[task_id].settings["music"] is True
        assert patched[task_id].settings["imageCount"] == 3
        assert patched[task_id].settings["language"] == "en"
        assert patched[task_id].title == "New"
    assert patched[tasks[1].id].settings["music"] is False


def test_the_service_clock_stamps_updated_at_even_when_it_has_not_moved(
    queue_service: QueueService, task_service: TaskService, clock: Any
) -> None:
    """An ``updated_at`` equal to the stored one is still written, so the column's ``onupdate`` (the wall
    clock) never replaces the service clock's time."""
    tasks = add_drafts(queue_service, 2)
    version = queue_service.list_drafts().version
    queue_service.bulk_patch([task.id for task in tasks], {"music": True}, version)  # clock not moved
    assert {task.updated_at for task in queue_service.list_drafts().tasks} == {clock()}
    queued = queue_service.run(queue_service.list_drafts().version).queued
    assert {task_service.get(task.id).updated_at for task in queued} == {clock()}


def test_bulk_patch_is_atomic_and_reports_errors_per_task(
    queue_service: QueueService, db_engine: Engine
) -> None:
    plain, crawler = add_drafts(queue_service, 2)
    version = queue_service.list_drafts().version
    version = queue_service.bulk_patch(
        [crawler.id], {"mediaMode": "crawl", "imageUrls": ["https://example.com/a.jpg"]}, version
    ).version
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as caught:
        queue_service.bulk_patch([plain.id, crawler.id], {"imageUrls": []}, version)
    assert [error["taskId"] for error in caught.value.errors] == [crawler.id]
    assert snapshot(db_engine) == before


def test_bulk_patch_can_save_the_settings_as_queue_defaults(queue_service: QueueService) -> None:
    (task,) = add_drafts(queue_service, 1)
    version = queue_service.list_drafts().version
    queue_service.bulk_patch([task.id], {"language": "ja", "title": "T"}, version, save_as_default=True)
    assert queue_service.get_or_create_default_queue().default_options == {"language": "ja"}
    (added,) = queue_service.add_assets(["new"], None, queue_service.list_drafts().version).tasks
    assert added.settings["language"] == "ja"
    assert added.title == "new"


def test_only_drafts_can_be_patched_or_deleted(queue_service: QueueService) -> None:
    queued, draft = add_drafts(queue_service, 2)
    version = queue_service.run(queue_service.list_drafts().version, ids=[queued.id]).version
    with pytest.raises(ConflictError) as caught:
        queue_service.bulk_patch([queued.id, draft.id], {"music": True}, version)
    assert caught.value.details == {"statuses": {queued.id: "queued"}}
    with pytest.raises(ConflictError):
        queue_service.bulk_delete([queued.id], version)
    assert queue_service.list_drafts().version == version


# -- reorder / delete -----------------------------------------------------------------------------------


def test_reorder_sets_positions_0_to_n_minus_1(queue_service: QueueService) -> None:
    a, b, c = add_drafts(queue_service, 3)
    result = queue_service.reorder([c.id, a.id, b.id], queue_service.list_drafts().version)
    assert [(task.id, task.queue_position) for task in result.tasks] == [(c.id, 0), (a.id, 1), (b.id, 2)]
    assert [task.id for task in queue_service.list_drafts().tasks] == [c.id, a.id, b.id]


@pytest.mark.parametrize("case", ["missing", "duplicate", "not_a_draft"])
def test_reorder_requires_exactly_the_draft_set(
    queue_service: QueueService, db_engine: Engine, case: str
) -> None:
    a, b, c = add_drafts(queue_service, 3)
    version = queue_service.run(queue_service.list_drafts().version, ids=[c.id]).version
    ordered = {"missing": [a.id], "duplicate": [a.id, b.id, a.id], "not_a_draft": [a.id, b.id, c.id]}[case]
    before = snapshot(db_engine)
    with pytest.raises(ValidationFailed) as caught:
        queue_service.reorder(ordered, version)
    assert fields(caught.value) == {"ids"}
    assert snapshot(db_engine) == before


def test_bulk_delete_removes_drafts_and_compacts_positions(queue_service: QueueService) -> None:
    a, b, c = add_drafts(queue_service, 3)
    result = queue_service.bulk_delete([b.id], queue_service.list_drafts().version)
    assert result.deleted_ids == [b.id]
    assert [(task.id, task.queue_position) for task in queue_service.list_drafts().tasks] == [
        (a.id, 0),
        (c.id, 1),
    ]
    with pytest.raises(NotFoundError):
        queue_service.bulk_delete([b.id], result.version)


# -- run ------------------------------------------------------------------------------------------------


def test_run_queues_all_drafts_with_a_new_generation(
    queue_service: QueueService, db_engine: Engine, clock: Any
) -> None:
    a, b = add_drafts(queue_service, 2)
    clock.advance(60)
    result = queue_service.run(queue_service.list_drafts().version)
    assert [task.id for task in result.queued] == [a.id, b.id]
    assert result.scheduled == []
    for task in result.queued:
        assert task.status is TaskStatus.QUEUED
        assert task.generation == 1
        assert task.queued_at == clock()
        assert task.batch_id == result.batch_id
    with session_factory(db_engine)() as session:
        states = session.execute(
            select(TaskStageState.task_id, TaskStageState.stage, TaskStageState.status)
        ).all()
    assert sorted(states) == sorted(
        (task.id, stage, StageStatus.WAITING) for task in (a, b) for stage in STAGES
    )
    assert queue_service.list_drafts().tasks == []


def test_run_twice_queues_nothing_twice(queue_service: QueueService, db_engine: Engine) -> None:
    add_drafts(queue_service, 2)
    version = queue_service.list_drafts().version
    first = queue_service.run(version)
    with pytest.raises(ConflictError):
        queue_service.run(version)  # the double click carries the same version
    again = queue_service.run(first.version)
    assert (again.queued, again.batch_id) == ([], None)
    with db_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(TaskStageState)).scalar() == 2 * len(
            STAGES
        )


def test_a_run_repeated_with_its_request_key_answers_the_first_result_for_24_hours(
    queue_service: QueueService, clock: Any
) -> None:
    add_drafts(queue_service, 2)
    version = queue_service.list_drafts().version
    first = queue_service.run(version, request_key=version_key(version))
    assert len(first.queued) == 2
    clock.advance(hours=23)
    assert queue_service.run(version, request_key=version_key(version)) == first  # stale, yet answered
    keyed = queue_service.run(first.version, request_key=idempotency_key("k"))
    add_drafts(queue_service, 1, prefix="later")
    assert queue_service.run(queue_service.list_drafts().version, request_key=idempotency_key("k")) == keyed
    clock.advance(hours=24)
    with pytest.raises(ConflictError):
        queue_service.run(version, request_key=version_key(version))  # the records expired
    fresh = queue_service.run(queue_service.list_drafts().version, request_key=idempotency_key("k"))
    assert [task.asset_id for task in fresh.queued] == ["later-0"]


def test_run_a_subset_skips_ids_that_are_no_longer_drafts(queue_service: QueueService) -> None:
    a, b, c = add_drafts(queue_service, 3)
    version = queue_service.run(queue_service.list_drafts().version, ids=[c.id, a.id]).version
    result = queue_service.run(version, ids=[a.id, b.id])
    assert [task.id for task in result.queued] == [b.id]
    assert queue_service.list_drafts().tasks == []


def test_an_asset_can_be_drafted_again_after_its_draft_ran(queue_service: QueueService) -> None:
    (first,) = add_drafts(queue_service, 1)
    queue_service.run(queue_service.list_drafts().version)
    (second,) = add_drafts(queue_service, 1)
    assert second.id != first.id
    assert second.asset_id == first.asset_id
    assert second.queue_position == 0


# -- invariant 3: stale versions ------------------------------------------------------------------------

MUTATIONS: dict[str, Callable[[QueueService, list[str], int], Any]] = {
    "update_queue": lambda qs, ids, v: qs.update_queue(v, name="x"),
    "add_assets": lambda qs, ids, v: qs.add_assets(["new"], None, v),
    "bulk_patch": lambda qs, ids, v: qs.bulk_patch(ids, {"music": True}, v),
    "reorder": lambda qs, ids, v: qs.reorder(list(reversed(ids)), v),
    "bulk_delete": lambda qs, ids, v: qs.bulk_delete(ids[:1], v),
    "run": lambda qs, ids, v: qs.run(v),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_a_stale_version_conflicts_and_changes_nothing(
    queue_service: QueueService, db_engine: Engine, mutation: str
) -> None:
    ids = [task.id for task in add_drafts(queue_service, 2)]
    current = queue_service.list_drafts().version
    before = snapshot(db_engine)
    with pytest.raises(ConflictError) as caught:
        MUTATIONS[mutation](queue_service, ids, current - 1)
    assert caught.value.code == "CONFLICT"
    assert caught.value.details == {"expectedVersion": current - 1, "currentVersion": current}
    assert snapshot(db_engine) == before
    assert MUTATIONS[mutation](queue_service, ids, current).version == current + 1


# -- invariant 8: tenancy -------------------------------------------------------------------------------


def test_another_owners_tasks_are_not_found(
    queue_service: QueueService, make_service: Callable[..., Any], other_owner: Owner, db_engine: Engine
) -> None:
    mine = [task.id for task in add_drafts(queue_service, 2)]
    theirs = make_service(QueueService, other_owner)
    add_drafts(theirs, 1)
    version = theirs.list_drafts().version
    before = snapshot(db_engine)
    for call in (
        lambda: theirs.bulk_patch(mine, {"music": True}, version),
        lambda: theirs.reorder(mine, version),
        lambda: theirs.bulk_delete(mine, version),
        lambda: theirs.run(version, ids=mine),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.details == {"taskIds": mine}
    assert snapshot(db_engine) == before
    assert [task.asset_id for task in theirs.list_drafts().tasks] == ["asset-0"]
    other_tasks = make_service(TaskService, other_owner)
    with pytest.raises(NotFoundError):
        other_tasks.get(mine[0])


# -- expiry ---------------------------------------------------------------------------------------------


def test_expired_drafts_are_cleaned_up(
    queue_service: QueueService, make_service: Callable[..., Any], clock: Any
) -> None:
    _old, queued = add_drafts(queue_service, 2)
    queue_service.run(queue_service.list_drafts().version, ids=[queued.id])
    clock.advance(timedelta(days=10).total_seconds())
    (fresh,) = add_drafts(queue_service, 1, prefix="fresh")
    version = queue_service.list_drafts().version
    housekeeping = make_service(Housekeeping)
    assert housekeeping.cleanup_expired_drafts(clock() + timedelta(days=3)) == 0
    assert housekeeping.cleanup_expired_drafts(clock() + timedelta(days=5)) == 1
    drafts = queue_service.list_drafts()
    assert [(task.id, task.queue_position) for task in drafts.tasks] == [(fresh.id, 0)]
    assert drafts.version == version + 1
    assert make_service(TaskService, queue_service.owner).get(queued.id).status is TaskStatus.QUEUED
    assert queue_service.cleanup_expired_drafts(clock() + timedelta(days=30)) == 1


def test_patch_extends_a_drafts_expiry(queue_service: QueueService, clock: Any, settings: Settings) -> None:
    (task,) = add_drafts(queue_service, 1)
    clock.advance(timedelta(days=7).total_seconds())
    (patched,) = queue_service.bulk_patch(
        [task.id], {"music": True}, queue_service.list_drafts().version
    ).tasks
    assert patched.draft_expires_at == clock() + timedelta(days=settings.draft_ttl_days)


def test_expired_drafts_vanish_at_once(
    queue_service: QueueService, make_service: Callable[..., Any], clock: Any, settings: Settings
) -> None:
    expiring, kept = add_drafts(queue_service, 2)
    clock.advance(timedelta(days=settings.draft_ttl_days - 1).total_seconds())
    queue_service.bulk_patch([kept.id], {"music": True}, queue_service.list_drafts().version)  # touched
    clock.advance(timedelta(days=1).total_seconds())
    tasks = make_service(TaskService, queue_service.owner)
    assert [task.id for task in queue_service.list_drafts().tasks] == [kept.id]  # before any sweep
    assert [task.id for task in tasks.list_tasks(["draft"])] == [kept.id]
    again = queue_service.add_assets([expiring.asset_id], None, queue_service.list_drafts().version)
    assert again.created_ids and again.created_ids != [expiring.id]  # the asset may be added again
    with pytest.raises(NotFoundError):
        tasks.get(expiring.id)


# -- plans ----------------------------------------------------------------------------------------------


def test_limits_follow_the_workspaces_plan(
    queue_service: QueueService, make_service: Callable[..., Any], clock: Any
) -> None:
    plans = make_service(WorkspacePlans)
    assert plans.get(queue_service.owner.workspace_id).plan == "free"
    with pytest.raises(LimitExceeded):
        add_drafts(queue_service, 11)
    upgraded = plans.set(queue_service.owner.workspace_id, "pro")
    assert (upgraded.plan, upgraded.limits.items_per_add) == ("pro", 50)
    assert len(add_drafts(queue_service, 11)) == 11
    with pytest.raises(ValidationFailed):
        plans.set(queue_service.owner.workspace_id, "platinum")


def test_runs_per_day(make_service: Callable[..., Any], owner: Owner, clock: Any, settings: Settings) -> None:
    small = settings.model_copy(
        update={"plans": {"free": PlanLimits(drafts_per_queue=25, items_per_add=10, runs_per_day=2)}}
    )
    queue_service = make_service(QueueService, owner, settings=small)
    tasks = make_service(TaskService, owner, settings=small)
    first, second, _third = add_drafts(queue_service, 3)
    with pytest.raises(LimitExceeded) as caught:
        queue_service.run(queue_service.list_drafts().version)
    assert caught.value.details == {
        "plan": "free",
        "limitName": "runsPerDay",
        "limit": 2,
        "current": 0,
        "requested": 3,
    }
    assert len(queue_service.list_drafts().tasks) == 3  # nothing was queued
    queue_service.run(queue_service.list_drafts().version, ids=[first.id, second.id])
    assert make_service(WorkspacePlans, settings=small).get(owner.workspace_id).runs_today == 2
    pipeline = make_service(PipelineState, settings=small)
    finish_stages(pipeline, first.id)
    with pytest.raises(LimitExceeded):
        tasks.rerun(first.id)
    clock.advance(timedelta(days=1).total_seconds())  # a new UTC day
    assert tasks.rerun(first.id).started


def test_scheduled_occurrences_count_against_runs_per_day(
    make_service: Callable[..., Any], owner: Owner, clock: Any, settings: Settings
) -> None:
    small = settings.model_copy(
        update={"plans": {"free": PlanLimits(drafts_per_queue=25, items_per_add=10, runs_per_day=1)}}
    )
    queue_service = make_service(QueueService, owner, settings=small)
    schedules = make_service(ScheduleService, owner, settings=small)
    housekeeping = make_service(Housekeeping, settings=small)
    tasks = make_service(TaskService, owner, settings=small)
    first, second = add_drafts(queue_service, 2)
    for task in (first, second):
        schedules.create(task.id, clock() + timedelta(hours=1))
    ran = queue_service.run(queue_service.list_drafts().version)
    assert (ran.queued, len(ran.scheduled)) == ([], 2)
    clock.advance(timedelta(hours=1).total_seconds())

    assert housekeeping.queue_due_repeats(clock()).queued == 1  # the plan allows one production today
    assert housekeeping.queue_due_repeats(clock()).queued == 0  # the other waits, logged once
    statuses = {task.id: task.status for task in (tasks.get(first.id), tasks.get(second.id))}
    assert sorted(statuses.values()) == [TaskStatus.QUEUED, TaskStatus.SCHEDULED]
    waiting = next(task_id for task_id, status in statuses.items() if status is TaskStatus.SCHEDULED)
    midnight = datetime(2030, 1, 2, tzinfo=UTC)
    assert [schedule.next_run_at for schedule in schedules.list(waiting)] == [midnight]
    (warning,) = tasks.logs(waiting, level="warn")
    assert warning.metadata["limitName"] == "runsPerDay" and midnight.isoformat() in warning.message

    clock.advance((midnight - clock()).total_seconds())
    assert housekeeping.queue_due_repeats(clock()).queued == 1
    assert tasks.get(waiting).status is TaskStatus.QUEUED

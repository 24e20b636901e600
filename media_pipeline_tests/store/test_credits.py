"""Credits: reservation at Run (all or nothing, never overdrawn under concurrency), refunds on stop and on
final failure, the ledger, estimates and grants (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from media_pipeline.domain import MediaMode
from media_pipeline.domain.statuses import ImageStatus
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState, QueueService, TaskStatus, ValidationFailed
from media_pipeline.store.credit_estimate import estimate
from media_pipeline.store.credit_models import Charge, LedgerKind
from media_pipeline.store.credits import CreditAdmin, CreditService, Pricing
from media_pipeline.store.errors import InsufficientCredits
from media_pipeline.store.image_jobs import ImageJobService, ImageWork
from media_pipeline.usecases import UseCases
from media_pipeline_tests.store.support import add_drafts, finish_stages, queue_tasks, snapshot

PAID = {"mediaMode": "dalle3", "imageCount": 3, "styles": ["ocean", "neon"]}


@pytest.fixture
def paid_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, images_base_url="http://127.0.0.1:9/v1", credit_prices={"dalle3": 2})


@pytest.fixture
def usecases(db_engine: Engine, owner: Owner, paid_settings: Settings) -> UseCases:
    return UseCases(db_engine, owner, settings=paid_settings)


def _grant(db_engine: Engine, owner: Owner, amount: int) -> int:
    return CreditAdmin(db_engine).grant(owner.workspace_id, amount, "test", granted_by="ops")


def test_run_reserves_every_image_and_records_it_in_the_ledger(
    usecases: UseCases, db_engine: Engine, owner: Owner
) -> None:
    _grant(db_engine, owner, 10)
    add_drafts(usecases.queues, 1, PAID)
    (task,) = usecases.run_drafts(usecases.queues.list_drafts().version).queued
    assert usecases.credits.balance().model_dump() == {
        "workspace_id": owner.workspace_id,
        "balance": 4,
        "reserved": 6,
    }
    job = usecases.images.get(task.id, f"{task.id}-g1")
    assert (job.status, job.source, job.price_per_image, job.total_images) == ("PENDING", "dalle3", 2, 3)
    assert [(i.index, i.style, i.status, i.charge) for i in job.tasks] == [
        (0, "ocean", ImageStatus.PENDING, Charge.RESERVED),
        (1, "neon", ImageStatus.PENDING, Charge.RESERVED),
        (2, "ocean", ImageStatus.PENDING, Charge.RESERVED),
    ]
    entries, total = usecases.credits.ledger()
    assert total == 4
    assert [(e.kind, e.amount, e.balance_after, e.task_id, e.generation, e.image_index) for e in entries] == [
        (LedgerKind.RESERVE, 2, 4, task.id, 1, 2),
        (LedgerKind.RESERVE, 2, 6, task.id, 1, 1),
        (LedgerKind.RESERVE, 2, 8, task.id, 1, 0),
        (LedgerKind.GRANT, 10, 10, None, None, None),
    ]


def test_insufficient_credits_queue_nothing(usecases: UseCases, db_engine: Engine, owner: Owner) -> None:
    _grant(db_engine, owner, 5)
    add_drafts(usecases.queues, 1, PAID)
    local = add_drafts(usecases.queues, 1, None, "local")[0]
    before = snapshot(db_engine)
    with pytest.raises(InsufficientCredits) as info:
        usecases.run_drafts(usecases.queues.list_drafts().version)
    assert info.value.code == "INSUFFICIENT_CREDITS"
    assert info.value.details == {"required": 6, "available": 5, "workspaceId": owner.workspace_id}
    assert snapshot(db_engine) == before
    # the local source costs nothing: it runs without credits and without image records
    (queued,) = usecases.run_drafts(usecases.queues.list_drafts().version, [local.id]).queued
    assert usecases.images.list(queued.id) == [] and usecases.credits.balance().balance == 5


def test_parallel_runs_never_overdraw(
    db_engine: Engine, owner: Owner, paid_settings: Settings, make_service: Callable[..., Any]
) -> None:
    """50 users of one workspace Run a 1-image paid video each at once against 10 images' worth."""
    settings = paid_settings.model_copy(update={"credit_prices": {"dalle3": 1}})
    _grant(db_engine, owner, 10)
    owners = [Owner(user_id=f"user-{i}", workspace_id=owner.workspace_id) for i in range(50)]
    for user in owners:
        add_drafts(make_service(QueueService, user), 1, {"mediaMode": "dalle3", "imageCount": 1})
    barrier = threading.Barrier(len(owners))

    def run(user: Owner) -> str:
        usecases = UseCases(db_engine, user, settings=settings)
        version = usecases.queues.list_drafts().version
        barrier.wait()
        try:
            return "queued" if usecases.run_drafts(version).queued else "nothing"
        except InsufficientCredits:
            return "402"

    with ThreadPoolExecutor(len(owners)) as pool:
        outcomes = Counter(pool.map(run, owners))
    assert outcomes == Counter({"queued": 10, "402": 40})
    credits = CreditService(db_engine, owner)
    assert credits.balance().balance == 0 and credits.balance().reserved == 10
    entries, _ = credits.ledger(1000)
    assert Counter(entry.kind for entry in entries) == Counter({LedgerKind.GRANT: 1, LedgerKind.RESERVE: 10})
    assert min(entry.balance_after for entry in entries) == 0


def test_stop_refunds_every_image_not_made(usecases: UseCases, db_engine: Engine, owner: Owner) -> None:
    _grant(db_engine, owner, 6)
    (task,) = _run_paid(usecases)
    assert usecases.credits.balance().balance == 0
    assert usecases.stop(task).changed
    assert usecases.credits.balance().balance == 6
    job = usecases.images.get(task, f"{task}-g1")
    assert job.status == "CANCELED" and {i.status for i in job.tasks} == {ImageStatus.CANCELED}
    assert job.credits_refunded == 6
    assert not usecases.stop(task).changed  # idempotent: refunded once
    assert usecases.credits.balance().balance == 6


def _run_paid(usecases: UseCases) -> list[str]:
    add_drafts(usecases.queues, 1, PAID)
    return [task.id for task in usecases.run_drafts(usecases.queues.list_drafts().version).queued]


def test_final_failure_refunds_and_rerun_reserves_again(
    usecases: UseCases, db_engine: Engine, owner: Owner, paid_settings: Settings
) -> None:
    _grant(db_engine, owner, 12)
    (task,) = _run_paid(usecases)
    state = PipelineState(db_engine)
    state.stage_started(task, 1, "script", "run-s", None)
    state.stage_failed(task, 1, "script", "run-s", "the writer is gone", transient=False)
    assert usecases.tasks.get(task).status is TaskStatus.FAILED
    assert usecases.credits.balance().balance == 12
    assert usecases.images.list(task, ["FAILED"])[0].credits_refunded == 6
    assert usecases.rerun(task).started
    assert usecases.credits.balance().balance == 6
    (active,) = usecases.images.list(task, ["PENDING", "PROCESSING"])
    assert active.id == f"{task}-g2" and active.credits_reserved == 6


def test_generation_queued_without_a_reservation_reserves_when_images_start(
    db_engine: Engine, owner: Owner, queue_service: QueueService, paid_settings: Settings
) -> None:
    """E.g. a schedule started it: the images stage reserves, or fails permanently when credits lack."""
    (task,) = queue_tasks(queue_service, 1, PAID)
    finish_stages(PipelineState(db_engine), task.id, ["script"])
    work = ImageWork(db_engine)
    prompts = [("ocean", "subject", "a"), ("neon", "subject", "b"), ("ocean", "subject", "c")]
    pricing = Pricing.from_settings(paid_settings)
    with pytest.raises(InsufficientCredits):
        work.prepare(task.id, 1, prompts, pricing)
    _grant(db_engine, owner, 6)
    job = work.prepare(task.id, 1, prompts, pricing)
    assert [image.prompt for image in job.tasks] == ["a", "b", "c"] and job.credits_reserved == 6


def test_graceful_stop_without_an_image_in_progress_is_a_plain_stop(
    usecases: UseCases, db_engine: Engine, owner: Owner
) -> None:
    _grant(db_engine, owner, 6)
    (task,) = _run_paid(usecases)
    assert not ImageJobService(db_engine, owner, settings=usecases.settings).request_stop_after_current(
        task, 1
    )
    job = usecases.stop_after_current_image(task, f"{task}-g1")
    assert job.status is TaskStatus.CANCELED and usecases.credits.balance().balance == 6


def test_estimate_single_and_batch() -> None:
    pricing = Pricing({"dalle3": 1, "imagen3": 3})
    single = estimate("SINGLE", MediaMode.DALLE3, ["a", "b", "c", "d"], ["groom", "bride"], None, pricing)
    assert (single.images, single.credits) == (8, 8)
    assert single.summary == "4 styles × 2 roles = 8 images · 8 credits"
    batch = estimate("BATCH", MediaMode.IMAGEN3, ["A", "B", "C"], ["G", "B"], 5, pricing)
    assert [(p["style"], p["role"]) for p in batch.plan] == [
        ("A", "G"),
        ("A", "B"),
        ("B", "G"),
        ("B", "B"),
        ("C", "G"),
    ]
    assert (batch.images, batch.credits, batch.price_per_image) == (5, 15, 3)
    assert estimate("SINGLE", MediaMode.LOCAL, ["a"], ["r"], None, pricing).credits == 0


@pytest.mark.parametrize("amount", [0, -5, 1_000_000_001])
def test_grants_must_be_positive(db_engine: Engine, amount: int) -> None:
    with pytest.raises(ValidationFailed):
        CreditAdmin(db_engine).grant("ws", amount)

"""Shared setup of the review tests: a paid (dalle3) task with reviews, driven through its stages as the
stage runs report them, and the credit ledger's balance rules."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select

from media_pipeline.domain import Stage
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import (
    ContentKind,
    ContentRecord,
    Owner,
    PipelineState,
    resolve_engine,
    session_factory,
)
from media_pipeline.store.credit_models import CreditAccount, CreditLedgerEntry, LedgerKind, PaidImage
from media_pipeline.store.credits import CreditAdmin
from media_pipeline.usecases import UseCases
from media_pipeline_tests.orchestration.paid_support import make_images, story_of
from media_pipeline_tests.store.support import snapshot

REVIEW_OPTIONS = {
    "mediaMode": "dalle3",
    "imageCount": 3,
    "renderHeight": 320,
    "language": "en",
    "review": {"storyboard": True, "final": True},
}


def queue_review_task(
    db: Engine | str, owner: Owner, settings: Settings, *, credits: int, options: dict[str, Any] | None = None
) -> str:
    """Grant ``credits``, add a 3-image dalle3 draft asking for both reviews and Run it (reserves 3)."""
    CreditAdmin(db).grant(owner.workspace_id, credits, "test grant")
    usecases = UseCases(db, owner, settings=settings)
    version = usecases.queues.list_drafts().version
    (draft,) = usecases.queues.add_assets(["review-asset"], options or REVIEW_OPTIONS, version).tasks
    (queued,) = usecases.run_drafts(usecases.queues.list_drafts().version, [draft.id]).queued
    return queued.id


def run_stage(state: PipelineState, task_id: str, stage: str, generation: int = 1) -> None:
    """Start and complete one stage as its run would (run id ``run-<generation>-<stage>``)."""
    run_id = f"run-{generation}-{stage}"
    assert state.stage_started(task_id, generation, stage, run_id, attempt=0)
    assert state.stage_completed(task_id, generation, stage, run_id, attempt=0)


def to_storyboard_review(db_url: str, settings: Settings, task_id: str) -> None:
    """Write the script (story.json in the task storage) and make the paid images, both recorded as the
    stages' contents; the images stage then completes and the task waits for its storyboard review."""
    state = PipelineState(db_url)
    spec = state.task_spec(task_id)
    storage = open_storage(settings)
    story = f"tasks/{task_id}/story.json"
    storage.write_bytes(story, story_of(spec).model_dump_json().encode())
    assert state.stage_started(task_id, 1, Stage.SCRIPT, "run-1-script", attempt=0)
    script = [ContentRecord(kind=ContentKind.SCRIPT, path=story)]
    assert state.stage_completed(task_id, 1, Stage.SCRIPT, "run-1-script", script, attempt=0)
    assert state.stage_started(task_id, 1, Stage.IMAGES, "run-1-images", attempt=0)
    root = settings.resolved_storage_root
    images = [
        ContentRecord(kind=ContentKind.IMAGE, path=path.relative_to(root).as_posix())
        for path in make_images(db_url, settings, task_id)
    ]
    assert state.stage_completed(task_id, 1, Stage.IMAGES, "run-1-images", images, attempt=0)


def assert_ledger_balances(db: Engine | str, workspace_id: str) -> dict[str, int]:
    """The ledger explains the balance (grants + refunds - reserves) and every image reservation is
    consumed, refunded or still held by a RESERVED image, never two of these; returns the entry totals."""
    with session_factory(resolve_engine(db))() as session:
        entries = session.scalars(
            select(CreditLedgerEntry).where(CreditLedgerEntry.workspace_id == workspace_id)
        ).all()
        balance = session.scalar(
            select(CreditAccount.balance).where(CreditAccount.workspace_id == workspace_id)
        )
        images = session.scalars(select(PaidImage)).all()
    totals: Counter[str] = Counter()
    for entry in entries:
        totals[entry.kind.value] += entry.amount
    assert balance == totals["grant"] + totals["refund"] - totals["reserve"]
    held = Counter(entry.kind for entry in entries if entry.image_index is not None)
    counts = Counter(image.charge.value for image in images)
    assert held[LedgerKind.RESERVE] == held[LedgerKind.CONSUME] + held[LedgerKind.REFUND] + counts["reserved"]
    per_image = Counter((entry.task_id, entry.generation, entry.image_index, entry.kind) for entry in entries)
    assert all(count == 1 for count in per_image.values()), per_image  # no image paid or refunded twice
    return dict(totals)


def assert_refused_unchanged(db_url: str, error: type[Exception], *commands: Callable[[], object]) -> None:
    """Each of ``commands`` raises ``error`` and the app DB is left exactly as it was."""
    before = snapshot(resolve_engine(db_url))
    for command in commands:
        with pytest.raises(error):
            command()
    assert snapshot(resolve_engine(db_url)) == before

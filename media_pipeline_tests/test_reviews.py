"""Storyboard and final reviews through the use cases (SQLite and PostgreSQL, the real DALL·E client
against a loopback dalle_fake): the review status gates the next stage, edits, one paid regeneration, uploads,
approvals recorded once, rejections publish nothing, and the credit ledger balances after each."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from media_pipeline.api.render_contract import RenderJob
from media_pipeline.domain import Script, Stage
from media_pipeline.domain.statuses import EditStatus, ReviewStatus
from media_pipeline.providers.uploads import UploadRejectedError
from media_pipeline.settings import Settings
from media_pipeline.storage import open_storage
from media_pipeline.store import (
    ConflictError,
    NotFoundError,
    Owner,
    PipelineState,
    StageStatus,
    TaskStatus,
    resolve_engine,
    session_factory,
)
from media_pipeline.store.credits import CreditService
from media_pipeline.store.errors import InsufficientCredits
from media_pipeline.store.models import Task
from media_pipeline.store.moves import IllegalTransition, move_task
from media_pipeline.store.render_jobs import render_job_id
from media_pipeline.store.review_models import EditKind, ReviewKind
from media_pipeline.store.reviews import ReviewService
from media_pipeline.usecases import UseCases
from media_pipeline_tests.conftest import FakeClock
from media_pipeline_tests.orchestration.paid_support import paid_settings
from media_pipeline_tests.providers.fake_images import PaidImagesFake, openai_error
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import image_bytes
from media_pipeline_tests.review_support import (
    assert_ledger_balances,
    assert_refused_unchanged,
    queue_review_task,
    run_stage,
    to_storyboard_review,
)
from media_pipeline_tests.store.support import snapshot, stage_state


@pytest.fixture
def settings(tmp_path: Path, dalle_fake: tuple[FakeServer, PaidImagesFake]) -> Settings:
    return paid_settings(tmp_path, dalle_fake[0].base_url)


@pytest.fixture
def usecases(db_url: str, owner: Owner, settings: Settings, clock: FakeClock) -> UseCases:
    return UseCases(db_url, owner, settings=settings, clock=clock)


@pytest.fixture
def in_review(db_url: str, owner: Owner, settings: Settings) -> str:
    """A task waiting for its storyboard review (3 images made and paid, 10 credits granted)."""
    task_id = queue_review_task(db_url, owner, settings, credits=10)
    to_storyboard_review(db_url, settings, task_id)
    return task_id


def _launchable(db_url: str, settings: Settings, task_id: str) -> list[str]:
    items = PipelineState(db_url).launchable(PipelineState(db_url).now(), 50)
    return [item.stage for item in items if item.task_id == task_id]


def test_storyboard_review_holds_the_video_until_approved_once(
    usecases: UseCases, in_review: str, db_url: str, settings: Settings, owner: Owner
) -> None:
    task = usecases.tasks.get(in_review)
    assert (task.status, task.message) == (TaskStatus.REVIEW, "waiting for storyboard review")
    assert _launchable(db_url, settings, in_review) == []  # no run is launched, no slot is held
    job = RenderJob.of(usecases.render_jobs.get(in_review, render_job_id(in_review, 1)))
    assert (job.status, job.step, job.awaiting_approval) == ("RUNNING", "STORYBOARD_REVIEW", True)
    assert [(item.task_id, item.kind) for item in usecases.reviews.waiting()] == [
        (in_review, ReviewKind.STORYBOARD)
    ]
    board = usecases.reviews.storyboard(in_review)
    assert [scene.narration for scene in board.scenes] == ["Narration 0.", "Narration 1.", "Narration 2."]

    approved = usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)
    (record,) = approved.review.reviews
    assert (record.status, record.decided_by, record.decided_at) == (
        ReviewStatus.APPROVED,
        owner.user_id,
        usecases.tasks.now(),
    )
    assert usecases.tasks.get(in_review).status is TaskStatus.QUEUED
    assert _launchable(db_url, settings, in_review) == [Stage.VIDEO]
    before = snapshot(resolve_engine(db_url))
    again = usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)  # idempotent: no second effect
    assert again.review.reviews == approved.review.reviews
    assert snapshot(resolve_engine(db_url)) == before
    assert assert_ledger_balances(db_url, owner.workspace_id) == {"grant": 10, "reserve": 3, "consume": 3}


def test_edit_line_and_regenerate_one_image_pay_exactly_one_credit(
    usecases: UseCases,
    in_review: str,
    db_url: str,
    settings: Settings,
    owner: Owner,
    dalle_fake: tuple[FakeServer, PaidImagesFake],
) -> None:
    storage = open_storage(settings)
    original = storage.read_bytes(f"tasks/{in_review}/scene_01.png")
    assert usecases.credits.balance().balance == 7
    usecases.reviews.edit_narration(in_review, 2, "  A better closing line.  ")
    story = Script.model_validate_json(storage.read_bytes(f"tasks/{in_review}/story.json"))
    assert [scene.narration for scene in story.scenes][2] == "A better closing line."

    edit = usecases.reviews.regenerate(in_review, 1)
    assert dalle_fake[1].paid == [0, 1, 2, 1]  # the provider was called exactly once more, for scene 1
    assert (edit.kind, edit.status, edit.image_index) == (EditKind.REGENERATE, EditStatus.DONE, 3)
    assert edit.before is not None and storage.read_bytes(edit.before) == original  # old image kept
    assert edit.after is not None and storage.exists(edit.after)
    assert usecases.credits.balance().balance == 6
    assert CreditService(db_url, owner).usage(in_review).consumed == 4
    board = usecases.reviews.storyboard(in_review)
    assert [scene.image_version for scene in board.scenes] == [0, 1, 0]
    assert [(e.kind, e.user_id) for e in board.review.edits] == [
        (EditKind.NARRATION, owner.user_id),
        (EditKind.REGENERATE, owner.user_id),
    ]
    job = usecases.images.get(in_review, render_job_id(in_review, 1))
    assert (job.total_images, job.completed_images) == (4, 4)
    assert assert_ledger_balances(db_url, owner.workspace_id) == {"grant": 10, "reserve": 4, "consume": 4}


def test_a_failed_regeneration_is_refunded(
    usecases: UseCases,
    in_review: str,
    db_url: str,
    owner: Owner,
    dalle_fake: tuple[FakeServer, PaidImagesFake],
) -> None:
    dalle_fake[1].failures[0] = openai_error(400, "content policy")
    edit = usecases.reviews.regenerate(in_review, 0)
    assert edit.status is EditStatus.FAILED and "content policy" in (edit.error or "")
    assert usecases.credits.balance().balance == 7
    assert assert_ledger_balances(db_url, owner.workspace_id) == {
        "grant": 10,
        "reserve": 4,
        "consume": 3,
        "refund": 1,
    }


def test_replace_an_image_with_an_upload_checks_it(
    usecases: UseCases, in_review: str, settings: Settings
) -> None:
    with pytest.raises(UploadRejectedError):
        usecases.reviews.replace_image(in_review, 0, "x.png", io.BytesIO(b"<svg>not an image</svg>"))
    too_big = image_bytes("PNG", (64, 48), "red") + b"\0" * settings.upload_max_bytes
    with pytest.raises(UploadRejectedError):
        usecases.reviews.replace_image(in_review, 0, "big.png", io.BytesIO(too_big))
    board = usecases.reviews.replace_image(in_review, 0, "mine.jpg", io.BytesIO(image_bytes("JPEG")))
    assert [scene.image_version for scene in board.scenes] == [1, 0, 0]
    assert usecases.credits.balance().balance == 7  # uploads cost nothing


def test_review_commands_outside_a_review_change_nothing(
    usecases: UseCases, db_url: str, owner: Owner, settings: Settings
) -> None:
    task_id = queue_review_task(db_url, owner, settings, credits=10)
    assert_refused_unchanged(
        db_url,
        ConflictError,
        lambda: usecases.reviews.approve(task_id, ReviewKind.STORYBOARD),
        lambda: usecases.reviews.reject(task_id, ReviewKind.FINAL),
        lambda: usecases.reviews.reviews.begin_regeneration(task_id, 0, "ocean", "scene 0 "),
    )


def test_another_owner_sees_no_review(
    db_url: str, in_review: str, settings: Settings, clock: FakeClock
) -> None:
    stranger = UseCases(db_url, Owner(user_id="u-9", workspace_id="ws-9"), settings=settings, clock=clock)
    assert_refused_unchanged(
        db_url,
        NotFoundError,
        lambda: stranger.reviews.storyboard(in_review),
        lambda: stranger.reviews.approve(in_review, ReviewKind.STORYBOARD),
        lambda: stranger.reviews.regenerate(in_review, 0),
        lambda: stranger.reviews.edit_narration(in_review, 0, "mine now"),
        lambda: stranger.reviews.scene_image(in_review, 0),
    )


def test_regeneration_needs_credits(
    db_url: str, owner: Owner, settings: Settings, usecases: UseCases
) -> None:
    task_id = queue_review_task(db_url, owner, settings, credits=3)
    to_storyboard_review(db_url, settings, task_id)
    with pytest.raises(InsufficientCredits) as caught:
        usecases.reviews.regenerate(task_id, 0)
    assert caught.value.details["required"] == 1 and caught.value.details["available"] == 0
    assert usecases.reviews.storyboard(task_id).review.edits == []
    assert_ledger_balances(db_url, owner.workspace_id)


def test_an_expired_reservation_is_refunded_once_and_never_consumed(
    db_url: str, in_review: str, owner: Owner, settings: Settings, clock: FakeClock, usecases: UseCases
) -> None:
    reviews = ReviewService(db_url, owner, clock=clock)
    ticket = reviews.begin_regeneration(in_review, 1, "sunset", "scene 1 of a calm lake")
    assert usecases.credits.balance().balance == 6
    with pytest.raises(ConflictError):  # the regeneration is still live: no approval meanwhile
        reviews.approve(in_review, ReviewKind.STORYBOARD)
    clock.advance(minutes=11)  # its worker died: the reservation expired
    reviews.approve(in_review, ReviewKind.STORYBOARD)
    assert usecases.credits.balance().balance == 7
    with pytest.raises(ConflictError) as caught:  # the late worker's image is not charged or used
        reviews.finish_regeneration(in_review, ticket, lambda: ("x", "y"))
    assert caught.value.details["reason"] == "reservation_expired"
    (edit,) = reviews.state(in_review).edits
    assert (edit.status, edit.error) == (EditStatus.EXPIRED, "reservation expired")
    assert assert_ledger_balances(db_url, owner.workspace_id) == {
        "grant": 10,
        "reserve": 4,
        "consume": 3,
        "refund": 1,
    }


def test_final_review_reject_publishes_nothing(
    usecases: UseCases, in_review: str, db_url: str, settings: Settings, owner: Owner
) -> None:
    state = PipelineState(db_url)
    usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)
    run_stage(state, in_review, Stage.VIDEO)
    run_stage(state, in_review, Stage.THUMBNAIL)
    job = RenderJob.of(usecases.render_jobs.get(in_review, render_job_id(in_review, 1)))
    assert (job.step, job.awaiting_approval) == ("FINAL_REVIEW", True)
    assert _launchable(db_url, settings, in_review) == []

    rejected = usecases.reviews.reject(in_review, ReviewKind.FINAL)
    assert [(r.kind, r.status, r.decided_by) for r in rejected.review.reviews] == [
        (ReviewKind.STORYBOARD, ReviewStatus.APPROVED, owner.user_id),
        (ReviewKind.FINAL, ReviewStatus.REJECTED, owner.user_id),
    ]
    task = usecases.tasks.get(in_review)
    assert task.status is TaskStatus.CANCELED and task.youtube_url is None
    assert task.message == f"rejected in final review by {owner.user_id}"
    publish = stage_state(db_url, in_review, 1, Stage.YOUTUBE_VIDEO)
    assert publish is not None and publish.status is StageStatus.CANCELED
    assert not state.stage_started(in_review, 1, Stage.YOUTUBE_VIDEO, "late-run", attempt=0)
    with pytest.raises(ConflictError):
        usecases.reviews.approve(in_review, ReviewKind.FINAL)
    usecases.reviews.reject(in_review, ReviewKind.FINAL)  # idempotent
    assert assert_ledger_balances(db_url, owner.workspace_id) == {"grant": 10, "reserve": 3, "consume": 3}


def test_final_review_approval_publishes(
    usecases: UseCases, in_review: str, db_url: str, settings: Settings
) -> None:
    state = PipelineState(db_url)
    usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)
    for stage in (Stage.VIDEO, Stage.THUMBNAIL):
        run_stage(state, in_review, stage)
    usecases.reviews.approve(in_review, ReviewKind.FINAL)
    assert _launchable(db_url, settings, in_review) == [Stage.YOUTUBE_VIDEO]
    run_stage(state, in_review, Stage.YOUTUBE_VIDEO)
    assert usecases.tasks.get(in_review).status is TaskStatus.SUCCEEDED


def test_stopping_a_task_in_review_cancels_it(usecases: UseCases, in_review: str) -> None:
    result = usecases.stop(in_review)
    assert result.changed and result.task.status is TaskStatus.CANCELED
    with pytest.raises(ConflictError):
        usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)


def test_queue_default_asks_for_review(usecases: UseCases) -> None:
    version = usecases.queues.list_drafts().version
    queue = usecases.queues.update_queue(version, default_options={"review": {"storyboard": True}})
    assert queue.default_options == {"review": {"storyboard": True, "final": False}}
    (draft,) = usecases.queues.add_assets(["x"], {"imageCount": 1}, queue.version).tasks
    assert draft.task_settings().review.storyboard and not draft.task_settings().review.final


def test_a_retry_does_not_reserve_a_failed_regeneration_again(
    usecases: UseCases,
    in_review: str,
    db_url: str,
    settings: Settings,
    owner: Owner,
    dalle_fake: tuple[FakeServer, PaidImagesFake],
) -> None:
    dalle_fake[1].failures[0] = openai_error(400, "content policy")
    assert usecases.reviews.regenerate(in_review, 0).status is EditStatus.FAILED
    usecases.reviews.approve(in_review, ReviewKind.STORYBOARD)
    state = PipelineState(db_url)
    assert state.stage_started(in_review, 1, Stage.VIDEO, "run-video", attempt=0)
    assert state.stage_failed(
        in_review, 1, Stage.VIDEO, "run-video", "ffmpeg broke", transient=False, attempt=0
    )
    assert usecases.retry(in_review).status is TaskStatus.QUEUED
    assert usecases.credits.balance().model_dump() == {
        "workspace_id": owner.workspace_id,
        "balance": 7,
        "reserved": 0,
    }
    assert_ledger_balances(db_url, owner.workspace_id)


def test_in_review_stray_runs_and_illegal_moves_change_nothing(
    usecases: UseCases, in_review: str, db_url: str, settings: Settings
) -> None:
    state = PipelineState(db_url)
    before = snapshot(resolve_engine(db_url))
    assert not state.stage_started(in_review, 1, Stage.VIDEO, "stray-run", attempt=0)
    assert not state.stage_completed(in_review, 1, Stage.VIDEO, "stray-run", attempt=0)
    assert snapshot(resolve_engine(db_url)) == before
    with session_factory(resolve_engine(db_url)).begin() as session:
        task = session.get(Task, in_review)
        assert task is not None and task.status is TaskStatus.REVIEW
        for status in (TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.FAILED):
            with pytest.raises(IllegalTransition):
                move_task(task, status)


def test_a_rerun_that_reuses_the_images_waits_for_a_new_storyboard_review(
    usecases: UseCases, in_review: str, db_url: str, owner: Owner
) -> None:
    usecases.reviews.reject(in_review, ReviewKind.STORYBOARD)
    result = usecases.rerun(in_review)
    assert result.started and result.task.generation == 2
    task = usecases.tasks.get(in_review)
    assert (task.status, task.message) == (TaskStatus.REVIEW, "waiting for storyboard review")
    board = usecases.reviews.storyboard(in_review)
    assert (board.review.generation, board.review.waiting) == (2, ReviewKind.STORYBOARD)
    assert [(r.generation, r.status) for r in board.review.reviews] == [(2, ReviewStatus.PENDING)]
    assert _launchable(db_url, usecases.settings, in_review) == []
    assert assert_ledger_balances(db_url, owner.workspace_id) == {"grant": 10, "reserve": 3, "consume": 3}

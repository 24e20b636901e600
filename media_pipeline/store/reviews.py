"""Storyboard and final reviews of the owner's tasks (docs/ARCHITECTURE.md §4, reviews).

A task whose ``review`` setting asks for it waits in status ``review`` after its images (storyboard) or its
thumbnail (final). While the storyboard review is open the creator may edit narration lines, regenerate a
scene's image (one paid image, reserved and then consumed or refunded exactly once) or replace it with an
upload; approving queues the task again, rejecting cancels it (nothing is published). Every decision
records who and when. Changes to files run through ``apply`` callbacks while the task row is locked, so
an edit and an approval never interleave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.stages import Stage
from media_pipeline.domain.statuses import EditStatus, ImageStatus, ReviewStatus, TaskStatus
from media_pipeline.store.base import OwnedService
from media_pipeline.store.credit_models import Charge, ImageJob, PaidImage
from media_pipeline.store.credits import consume, refund, reserve_extra_image
from media_pipeline.store.enums import LogAction
from media_pipeline.store.errors import ConflictError
from media_pipeline.store.lifecycle import add_log, cancel_task
from media_pipeline.store.models import Task, User
from media_pipeline.store.moves import move_task
from media_pipeline.store.review_gate import REVIEWED_STAGE
from media_pipeline.store.review_models import EditKind, ReviewKind, StoryboardEdit, TaskReview
from media_pipeline.store.views import EditView, ReviewRecordView, ReviewStateView, WaitingReviewView

REGENERATION_EXPIRY = timedelta(minutes=10)
"""A regeneration still pending after this long lost its worker: its reservation is refunded."""

Apply = Callable[[], tuple[str | None, str | None]]
"""Changes the task's files while its row is locked; returns ``(before, after)`` to record."""


@dataclass(frozen=True)
class Regeneration:
    """A begun regeneration: the edit to finish and the paid image it reserved."""

    edit_id: int
    generation: int
    scene_index: int
    image_index: int


class ReviewService(OwnedService):
    """The owner's reviews: read, edit the storyboard, regenerate one image, approve or reject."""

    # -- reads ---------------------------------------------------------------------------------------

    def state(self, task_id: str) -> ReviewStateView:
        """The task's review state (NotFoundError for another owner's task)."""
        with self._read() as session:
            task = self._task(session, task_id)
            return self._view(session, task)

    def waiting(self, limit: int = 100) -> list[WaitingReviewView]:
        """The owner's tasks waiting for a review, longest waiting first."""
        with self._read() as session:
            rows = session.execute(
                select(Task.id, Task.title, TaskReview.kind, TaskReview.requested_at)
                .join(
                    TaskReview,
                    (TaskReview.task_id == Task.id) & (TaskReview.generation == Task.generation),
                )
                .where(
                    *self._owned(),
                    Task.status == TaskStatus.REVIEW,
                    TaskReview.status == ReviewStatus.PENDING,
                )
                .order_by(TaskReview.requested_at, Task.id)
                .limit(limit)
            ).all()
            return [
                WaitingReviewView(task_id=row[0], title=row[1], kind=row[2], requested_at=row[3])
                for row in rows
            ]

    # -- storyboard edits ------------------------------------------------------------------------------

    def edit(self, task_id: str, scene_index: int, kind: EditKind, apply: Apply) -> EditView:
        """Record a narration or upload edit of the open storyboard review, made by ``apply`` under the
        task lock (ConflictError unless the storyboard review is open)."""
        now = self.now()
        with self._write() as session:
            task = self._open(session, task_id, ReviewKind.STORYBOARD)
            before, after = apply()
            edit = self._new_edit(task, scene_index, kind, EditStatus.DONE, now)
            edit.before, edit.after, edit.finished_at = before, after, now
            session.add(edit)
            add_log(
                session,
                task,
                LogAction.PROGRESS,
                f"storyboard: scene {scene_index + 1} {kind.value}",
                now=now,
            )
            session.flush()
            return EditView.model_validate(edit)

    def begin_regeneration(self, task_id: str, scene_index: int, style: str, prompt: str) -> Regeneration:
        """Reserve one paid image for a new version of a scene's image (InsufficientCredits: nothing
        reserved). ConflictError unless the storyboard review is open, while another regeneration of the
        task is pending, or if the task's images are not paid images."""
        now = self.now()
        with self._write() as session:
            task = self._open(session, task_id, ReviewKind.STORYBOARD)
            self._expire_stale(session, task, now)
            if self._pending(session, task):
                raise ConflictError(
                    "another image of this storyboard is being regenerated", {"taskId": task_id}
                )
            job = session.scalars(
                select(ImageJob)
                .where(ImageJob.task_id == task.id, ImageJob.generation == task.generation)
                .with_for_update()
            ).first()
            if job is None:
                raise ConflictError(
                    "only AI-generated images can be regenerated; replace the image with an upload",
                    {"taskId": task_id},
                )
            image = reserve_extra_image(session, job, style, prompt, now)
            edit = self._new_edit(task, scene_index, EditKind.REGENERATE, EditStatus.PENDING, now)
            edit.image_index = image.image_index
            session.add(edit)
            session.flush()
            return Regeneration(edit.id, task.generation, scene_index, image.image_index)

    def finish_regeneration(
        self, task_id: str, ticket: Regeneration, apply: Apply | None, error: str | None = None
    ) -> EditView:
        """Settle a regeneration: with ``apply`` (the image was made) its reservation is consumed and the
        new image put in place; with ``error`` it is refunded. ConflictError (``reason``
        ``reservation_expired``) if the reservation expired or the review ended meanwhile: then nothing is
        charged or replaced."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            edit = session.get(StoryboardEdit, ticket.edit_id, with_for_update=True)
            job = session.scalars(
                select(ImageJob).where(ImageJob.task_id == task.id, ImageJob.generation == ticket.generation)
            ).first()
            image = None if job is None else self._image(session, job, ticket.image_index)
            if edit is None or job is None or image is None or edit.task_id != task.id:
                raise ConflictError("unknown regeneration", {"taskId": task_id})
            live = (
                edit.status is EditStatus.PENDING
                and image.charge is Charge.RESERVED
                and self._is_open(session, task, ReviewKind.STORYBOARD)
            )
            if not live:
                if edit.status is EditStatus.PENDING:
                    edit.status, edit.finished_at, edit.error = EditStatus.EXPIRED, now, "review ended"
                expired = EditView.model_validate(edit)
            else:
                expired = None
                self._settle(session, task, job, image, edit, apply, error, now)
            session.flush()
            view = EditView.model_validate(edit)
        if expired is not None:
            raise ConflictError(
                "the regeneration's reservation expired or the review ended; nothing was charged",
                {"taskId": task_id, "editId": ticket.edit_id, "reason": "reservation_expired"},
            )
        return view

    @staticmethod
    def _settle(
        session: Session,
        task: Task,
        job: ImageJob,
        image: PaidImage,
        edit: StoryboardEdit,
        apply: Apply | None,
        error: str | None,
        now: datetime,
    ) -> None:
        """Consume the live reservation and put the new image in place, or refund it on ``error``."""
        image.finished_at = image.updated_at = edit.finished_at = now
        if apply is None:
            image.status, image.error = ImageStatus.FAILED, error
            refund(session, job, [image], now)
            edit.status, edit.error = EditStatus.FAILED, error
        else:
            edit.before, edit.after = apply()
            image.status, image.output_key = ImageStatus.COMPLETED, edit.after
            consume(session, job, image, now)
            edit.status = EditStatus.DONE
            add_log(
                session,
                task,
                LogAction.PROGRESS,
                f"storyboard: scene {edit.scene_index + 1} image regenerated",
                now=now,
                stage=Stage.IMAGES,
            )

    # -- decisions -----------------------------------------------------------------------------------

    def approve(self, task_id: str, kind: ReviewKind) -> ReviewStateView:
        """Approve the open ``kind`` review: the task is queued again and its next stage launches.
        Idempotent: approving an approved review changes nothing; ConflictError if none is open (or a
        regeneration is still pending)."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if self._decided(session, task, kind) is ReviewStatus.APPROVED:
                return self._view(session, task)
            review = self._open_review(session, task, kind)
            self._expire_stale(session, task, now)
            if self._pending(session, task):
                raise ConflictError("an image is still being regenerated", {"taskId": task_id})
            self._decide(review, now, approved=True)
            move_task(task, TaskStatus.QUEUED)
            task.message = f"{kind.value} approved"
            task.updated_at = now
            add_log(
                session,
                task,
                LogAction.APPROVE,
                f"{kind.value} review approved by {self.owner.user_id}",
                now=now,
                stage=REVIEWED_STAGE[kind],
                metadata={"review": kind.value, "by": self.owner.user_id},
            )
            session.flush()
            return self._view(session, task)

    def reject(self, task_id: str, kind: ReviewKind) -> ReviewStateView:
        """Reject the open ``kind`` review: the task is canceled, nothing is published and the paid images
        not made are refunded. Idempotent like ``approve``."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            if self._decided(session, task, kind) is ReviewStatus.REJECTED:
                return self._view(session, task)
            review = self._open_review(session, task, kind)
            self._decide(review, now, approved=False)
            for edit in self._pending(session, task):
                edit.status, edit.finished_at, edit.error = EditStatus.EXPIRED, now, "review rejected"
            cancel_task(session, task, now, f"rejected in {kind.value} review by {self.owner.user_id}")
            session.flush()
            return self._view(session, task)

    # -- helpers -------------------------------------------------------------------------------------

    def _decide(self, review: TaskReview, now: datetime, *, approved: bool) -> None:
        review.status = ReviewStatus.APPROVED if approved else ReviewStatus.REJECTED
        review.decided_at, review.decided_by = now, self.owner.user_id

    def _new_edit(
        self, task: Task, scene_index: int, kind: EditKind, status: EditStatus, now: datetime
    ) -> StoryboardEdit:
        return StoryboardEdit(
            task_id=task.id,
            generation=task.generation,
            scene_index=scene_index,
            kind=kind,
            status=status,
            user_id=self.owner.user_id,
            created_at=now,
        )

    @staticmethod
    def _review(session: Session, task: Task, kind: ReviewKind) -> TaskReview | None:
        return session.scalars(
            select(TaskReview)
            .where(
                TaskReview.task_id == task.id,
                TaskReview.generation == task.generation,
                TaskReview.kind == kind,
            )
            .with_for_update()
        ).first()

    def _decided(self, session: Session, task: Task, kind: ReviewKind) -> ReviewStatus | None:
        review = self._review(session, task, kind)
        return None if review is None else review.status

    def _is_open(self, session: Session, task: Task, kind: ReviewKind) -> bool:
        return task.status is TaskStatus.REVIEW and self._decided(session, task, kind) is ReviewStatus.PENDING

    def _open_review(self, session: Session, task: Task, kind: ReviewKind) -> TaskReview:
        review = self._review(session, task, kind)
        if (
            task.status is not TaskStatus.REVIEW
            or review is None
            or review.status is not ReviewStatus.PENDING
        ):
            raise ConflictError(
                f"the task is not waiting for a {kind.value} review (task is {task.status.value})",
                {"status": task.status.value, "review": kind.value},
            )
        return review

    def _open(self, session: Session, task_id: str, kind: ReviewKind) -> Task:
        task = self._task(session, task_id, lock=True)
        self._open_review(session, task, kind)
        return task

    @staticmethod
    def _pending(session: Session, task: Task) -> list[StoryboardEdit]:
        return list(
            session.scalars(
                select(StoryboardEdit)
                .where(
                    StoryboardEdit.task_id == task.id,
                    StoryboardEdit.generation == task.generation,
                    StoryboardEdit.status == EditStatus.PENDING,
                )
                .with_for_update()
            )
        )

    @staticmethod
    def _image(session: Session, job: ImageJob, index: int) -> PaidImage | None:
        return session.scalars(
            select(PaidImage)
            .where(PaidImage.job_id == job.id, PaidImage.image_index == index)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()

    def _expire_stale(self, session: Session, task: Task, now: datetime) -> None:
        """Refund the regenerations pending for longer than ``REGENERATION_EXPIRY`` (their worker died)."""
        for edit in self._pending(session, task):
            if now - edit.created_at < REGENERATION_EXPIRY:
                continue
            edit.status, edit.finished_at, edit.error = EditStatus.EXPIRED, now, "reservation expired"
            job = session.scalars(
                select(ImageJob).where(ImageJob.task_id == task.id, ImageJob.generation == edit.generation)
            ).first()
            image = (
                None
                if job is None or edit.image_index is None
                else self._image(session, job, edit.image_index)
            )
            if job is not None and image is not None and image.charge is Charge.RESERVED:
                image.status, image.error, image.finished_at = ImageStatus.FAILED, "reservation expired", now
                refund(session, job, [image], now)

    def _view(self, session: Session, task: Task) -> ReviewStateView:
        rows = session.execute(
            select(TaskReview, User.username)
            .outerjoin(User, User.id == TaskReview.decided_by)
            .where(TaskReview.task_id == task.id, TaskReview.generation == task.generation)
            .order_by(TaskReview.id)
        ).all()
        reviews = [row[0] for row in rows]
        edits = session.scalars(
            select(StoryboardEdit)
            .where(StoryboardEdit.task_id == task.id, StoryboardEdit.generation == task.generation)
            .order_by(StoryboardEdit.id)
        ).all()
        waiting = next(
            (review.kind for review in reviews if review.status is ReviewStatus.PENDING),
            None,
        )
        return ReviewStateView(
            task_id=task.id,
            title=task.title,
            status=task.status,
            generation=task.generation,
            waiting=waiting if task.status is TaskStatus.REVIEW else None,
            reviews=[
                ReviewRecordView.model_validate(review).model_copy(update={"decided_by_name": name})
                for review, name in rows
            ],
            edits=[EditView.model_validate(edit) for edit in edits],
        )

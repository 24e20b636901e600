"""Per-image records of a paid generation (seed 003 §1-§3): the worker's side (claim, complete, fail,
graceful stop) and the owner's side (status, active job, stop after the current image, image files).

A retry or resume processes only PENDING and FAILED images; a COMPLETED image is never generated (or paid)
twice. Every change takes the task row lock first (the lock order of the stage state machine), so a claim
and a stop never interleave (docs/ARCHITECTURE.md §7).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from media_pipeline.domain.statuses import ACTIVE_STATUSES, ImageJobStatus, ImageStatus, TaskStatus
from media_pipeline.settings import Settings
from media_pipeline.storage import Storage
from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import Clock
from media_pipeline.store.credit_models import Charge, ImageJob, PaidImage
from media_pipeline.store.credits import Pricing, consume, refund, reserve_generations
from media_pipeline.store.errors import ConflictError, NotFoundError
from media_pipeline.store.lifecycle import cancel_task
from media_pipeline.store.models import Task
from media_pipeline.store.owner import Owner
from media_pipeline.store.render_jobs import (
    StoredAsset,
    TaskFilesService,
    render_job_generation,
    render_job_id,
)
from media_pipeline.store.views import ImageJobView, PaidImageView

ImageUrl = Callable[[str, int, int], str]
"""``(task_id, generation, image_index) -> URL`` of a made image (the API gives its own)."""
GRACEFUL_STOP_MESSAGE = "stopped after the current image"
PlannedPrompt = tuple[str, str, str]
"""``(style, role, prompt)`` of one image, from its scene."""


def _job_status(task: Task, job: ImageJob, images: Sequence[PaidImage]) -> ImageJobStatus:
    statuses = [image.status for image in images]
    if statuses and all(status is ImageStatus.COMPLETED for status in statuses):
        return ImageJobStatus.COMPLETED
    current = task.generation == job.generation
    if current and task.status is TaskStatus.FAILED:
        return ImageJobStatus.FAILED
    if not current or task.status not in ACTIVE_STATUSES:
        return ImageJobStatus.FAILED if ImageStatus.FAILED in statuses else ImageJobStatus.CANCELED
    started = any(status is not ImageStatus.PENDING for status in statuses)
    return ImageJobStatus.PROCESSING if started else ImageJobStatus.PENDING


def _image_view(image: PaidImage, image_url: ImageUrl | None) -> PaidImageView:
    return PaidImageView(
        index=image.image_index,
        style=image.style,
        role=image.role,
        prompt=image.prompt,
        status=image.status,
        charge=image.charge,
        output_key=image.output_key,
        url=image_url(image.task_id, image.generation, image.image_index)
        if image_url is not None and image.status is ImageStatus.COMPLETED
        else None,
        error=image.error,
        attempts=image.attempts,
        started_at=image.started_at,
        finished_at=image.finished_at,
    )


def _view(task: Task, job: ImageJob, images: Sequence[PaidImage], image_url: ImageUrl | None) -> ImageJobView:
    def count(status: ImageStatus) -> int:
        return sum(image.status is status for image in images)

    def credits(charge: Charge) -> int:
        return job.price * sum(image.charge is charge for image in images)

    tasks = [_image_view(image, image_url) for image in images]
    return ImageJobView(
        id=render_job_id(job.task_id, job.generation),
        video_id=job.task_id,
        generation=job.generation,
        status=_job_status(task, job, images),
        source=job.source,
        price_per_image=job.price,
        total_images=job.total_images,
        completed_images=count(ImageStatus.COMPLETED),
        failed_images=count(ImageStatus.FAILED),
        canceled_images=count(ImageStatus.CANCELED),
        credits_reserved=credits(Charge.RESERVED),
        credits_consumed=credits(Charge.CONSUMED),
        credits_refunded=credits(Charge.REFUNDED),
        stop_requested=job.stop_requested_at is not None,
        tasks=tasks,
        created_at=job.created_at,
        updated_at=job.updated_at,
    )


def _lock_task(session: Session, task_id: str) -> Task | None:
    return session.scalars(
        select(Task).where(Task.id == task_id).with_for_update().execution_options(populate_existing=True)
    ).first()


def _job(session: Session, task_id: str, generation: int) -> ImageJob | None:
    return session.scalars(
        select(ImageJob)
        .where(ImageJob.task_id == task_id, ImageJob.generation == generation)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()


def _images(session: Session, job: ImageJob, *statuses: ImageStatus) -> list[PaidImage]:
    stmt = select(PaidImage).where(PaidImage.job_id == job.id)
    if statuses:
        stmt = stmt.where(PaidImage.status.in_(statuses))
    return list(
        session.scalars(
            stmt.order_by(PaidImage.image_index).with_for_update().execution_options(populate_existing=True)
        )
    )


class ImageWork(StoreBase):
    """The images stage's view of a paid generation (not owner-scoped: the worker acts for the task)."""

    def prepare(
        self, task_id: str, generation: int, prompts: Sequence[PlannedPrompt], pricing: Pricing
    ) -> ImageJobView:
        """Open the generation's images for work: create and reserve them if the generation was queued
        without a reservation (e.g. by a schedule; InsufficientCredits if the balance does not cover it),
        record each image's ``(style, role, prompt)``, and put images a dead worker left PROCESSING and
        transient failures back to PENDING. COMPLETED images are kept as they are."""
        now = self.now()
        with self._write() as session:
            task = self._current(session, task_id, generation)
            job = _job(session, task_id, generation)
            if job is None:
                reserve_generations(session, [task], pricing, now)
                job = _job(session, task_id, generation)
                if job is None:
                    raise NotFoundError(f"task {task_id!r} has no paid images", {"taskId": task_id})
            images = _images(session, job)
            if len(images) != len(prompts):
                raise ConflictError(
                    f"the script has {len(prompts)} scenes but {len(images)} images were reserved",
                    {"taskId": task_id},
                )
            for image, (style, role, prompt) in zip(images, prompts, strict=True):
                if image.status is not ImageStatus.COMPLETED:
                    image.style, image.role, image.prompt = style, role, prompt
                reopen = image.status is ImageStatus.PROCESSING or (
                    image.status is ImageStatus.FAILED and image.charge is Charge.RESERVED
                )
                if reopen:
                    image.status, image.started_at = ImageStatus.PENDING, None
                image.updated_at = now
            return _view(task, job, images, None)

    def claim_next(self, task_id: str, generation: int) -> PaidImageView | None:
        """Mark the next PENDING image PROCESSING and return it; None when none is left, the task is no
        longer active or a stop after the current image was requested."""
        now = self.now()
        with self._write() as session:
            task = _lock_task(session, task_id)
            job = _job(session, task_id, generation)
            if task is None or job is None or not self._active(task, generation) or job.stop_requested_at:
                return None
            pending = _images(session, job, ImageStatus.PENDING)
            if not pending:
                return None
            image = pending[0]
            task.updated_at = now  # a progress event per image (docs/ARCHITECTURE.md §8)
            image.status, image.error = ImageStatus.PROCESSING, None
            image.attempts += 1
            image.started_at, image.finished_at, image.updated_at = now, None, now
            return _image_view(image, None)

    def complete(self, task_id: str, generation: int, index: int, output_key: str) -> bool:
        """The image was made: COMPLETED with its output key, its reservation consumed. False (nothing
        changed) if it is no longer in progress, e.g. a hard stop refunded it meanwhile."""
        now = self.now()
        with self._write() as session:
            image = self._in_progress(session, task_id, generation, index, now)
            if image is None:
                return False
            job = session.get_one(ImageJob, image.job_id)
            image.status, image.output_key = ImageStatus.COMPLETED, output_key
            image.finished_at = image.updated_at = now
            consume(session, job, image, now)
            return True

    def fail(self, task_id: str, generation: int, index: int, error: str, *, permanent: bool) -> None:
        """The image could not be made: FAILED with ``error``; a permanent failure is refunded at once,
        a transient one keeps its reservation for the retry."""
        now = self.now()
        with self._write() as session:
            image = self._in_progress(session, task_id, generation, index, now)
            if image is None:
                return
            image.status, image.error = ImageStatus.FAILED, error[:2000]
            image.finished_at = image.updated_at = now
            if permanent:
                refund(session, session.get_one(ImageJob, image.job_id), [image], now)

    def stop_if_requested(self, task_id: str, generation: int) -> bool:
        """If a stop after the current image was requested, stop the task now (its other images were
        refunded when the stop was requested); True if the worker must end."""
        now = self.now()
        with self._write() as session:
            task = _lock_task(session, task_id)
            job = _job(session, task_id, generation)
            if task is None or job is None or job.stop_requested_at is None:
                return False
            if self._active(task, generation):
                cancel_task(session, task, now, GRACEFUL_STOP_MESSAGE)
            return True

    def status(self, task_id: str, generation: int) -> ImageJobView:
        """The generation's images (for progress messages)."""
        with self._read() as session:
            task = session.get(Task, task_id)
            job = session.scalars(
                select(ImageJob).where(ImageJob.task_id == task_id, ImageJob.generation == generation)
            ).first()
            if task is None or job is None:
                raise NotFoundError(f"task {task_id!r} has no paid images", {"taskId": task_id})
            images = session.scalars(
                select(PaidImage).where(PaidImage.job_id == job.id).order_by(PaidImage.image_index)
            ).all()
            return _view(task, job, images, None)

    @staticmethod
    def _active(task: Task, generation: int) -> bool:
        return task.generation == generation and task.status in ACTIVE_STATUSES

    def _current(self, session: Session, task_id: str, generation: int) -> Task:
        task = _lock_task(session, task_id)
        if task is None or task.generation != generation:
            raise NotFoundError(f"task {task_id!r} is not at generation {generation}", {"taskId": task_id})
        return task

    @staticmethod
    def _in_progress(
        session: Session, task_id: str, generation: int, index: int, now: datetime
    ) -> PaidImage | None:
        """The image if it is being made (its task locked and touched: a progress event)."""
        task = _lock_task(session, task_id)
        image = session.scalars(
            select(PaidImage)
            .where(
                PaidImage.task_id == task_id,
                PaidImage.generation == generation,
                PaidImage.image_index == index,
                PaidImage.status == ImageStatus.PROCESSING,
                PaidImage.charge == Charge.RESERVED,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if image is not None and task is not None:
            task.updated_at = now
        return image


class ImageJobService(TaskFilesService):
    """The owner's image jobs: status with per-image progress and URLs, active jobs, graceful stop, and
    the made images (a local file or a presigned object URL, like render-job assets)."""

    def __init__(
        self,
        engine_or_url: Engine | str,
        owner: Owner,
        *,
        clock: Clock | None = None,
        settings: Settings,
        image_url: ImageUrl | None = None,
        storage: Storage | None = None,
    ) -> None:
        super().__init__(engine_or_url, owner, clock=clock, settings=settings, storage=storage)
        self._image_url = image_url

    def get(self, task_id: str, job: str) -> ImageJobView:
        """One job (``{videoId}-g{generation}``); NotFoundError if that generation has no paid images."""
        generation = render_job_generation(task_id, job)
        with self._read() as session:
            task = self._task(session, task_id)
            found = self._jobs(session, task, [generation])
            if not found:
                raise NotFoundError(f"image job {job!r} not found", {"videoId": task_id, "jobId": job})
            return found[0]

    def list(self, task_id: str, statuses: Sequence[ImageJobStatus] | None = None) -> list[ImageJobView]:
        """The video's image jobs, newest first, optionally only those with one of ``statuses``
        (``PENDING, PROCESSING`` finds the active job)."""
        with self._read() as session:
            task = self._task(session, task_id)
            jobs = self._jobs(session, task, None)
        return [job for job in jobs if not statuses or job.status in statuses]

    def request_stop_after_current(self, task_id: str, generation: int) -> bool:
        """Stop after the image in progress: the images not started are CANCELED and refunded now and the
        worker stops the task when the current image is done. False (nothing changed) if no image is in
        progress; the caller then stops the task at once."""
        now = self.now()
        with self._write() as session:
            task = self._task(session, task_id, lock=True)
            job = _job(session, task_id, generation)
            if job is None or task.generation != generation or task.status not in ACTIVE_STATUSES:
                return False
            if job.stop_requested_at is not None:
                return True
            if not _images(session, job, ImageStatus.PROCESSING):
                return False
            rest = _images(session, job, ImageStatus.PENDING, ImageStatus.FAILED)
            for image in rest:
                image.status = ImageStatus.CANCELED if image.status is ImageStatus.PENDING else image.status
                image.finished_at = now
            refund(session, job, [image for image in rest if image.charge is Charge.RESERVED], now)
            job.stop_requested_at = job.updated_at = now
            task.message = "stopping after the current image"
            task.updated_at = now
            return True

    def image_file(self, task_id: str, job: str, index: int) -> StoredAsset:
        """Where a made image is now (older generations' files live in ``history/<gen>/``): a local file
        or a presigned URL on object storage; NotFoundError if it is not made or its file is gone."""
        generation = render_job_generation(task_id, job)
        with self._read() as session:
            self._task(session, task_id)
            recorded = session.scalar(
                select(PaidImage.output_key).where(
                    PaidImage.task_id == task_id,
                    PaidImage.generation == generation,
                    PaidImage.image_index == index,
                    PaidImage.status == ImageStatus.COMPLETED,
                )
            )
        key = None if recorded is None else self._locate(task_id, generation, recorded)
        if key is None:
            raise NotFoundError("image file not found", {"jobId": job, "index": index})
        return self._stored(key)

    def _jobs(
        self, session: Session, task: Task, generations: Sequence[int] | None
    ) -> builtins.list[ImageJobView]:
        stmt = select(ImageJob).where(ImageJob.task_id == task.id)
        if generations is not None:
            stmt = stmt.where(ImageJob.generation.in_(generations))
        jobs = session.scalars(stmt.order_by(ImageJob.generation.desc())).all()
        if not jobs:
            return []
        images: dict[int, list[PaidImage]] = {job.id: [] for job in jobs}
        for image in session.scalars(
            select(PaidImage).where(PaidImage.job_id.in_(images)).order_by(PaidImage.image_index)
        ):
            images[image.job_id].append(image)
        return [_view(task, job, images[job.id], self._image_url) for job in jobs]

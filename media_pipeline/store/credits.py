"""Credits of a workspace: the balance, the ledger, and the reservation of a paid generation's images.

A Run (or render-job creation) of a task whose ``mediaMode`` is a paid source reserves ``images × price``
credits (the image plan of seed 003 §6) in the same transaction that queues it and creates one PENDING
record per image with its style and role (an *image job*); each made image consumes its reservation; a
stop or a final failure refunds every image not made (docs/ARCHITECTURE.md §7). The balance only changes
through conditional UPDATEs, so concurrent reservations never overdraw it, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from media_pipeline.domain import MediaMode, TaskSettings
from media_pipeline.domain.statuses import ImageStatus
from media_pipeline.settings import Settings
from media_pipeline.store.base import OwnedService, StoreBase
from media_pipeline.store.credit_models import (
    Charge,
    CreditAccount,
    CreditLedgerEntry,
    ImageJob,
    LedgerKind,
    PaidImage,
)
from media_pipeline.store.errors import InsufficientCredits, ValidationFailed
from media_pipeline.store.models import Task
from media_pipeline.store.review_models import StoryboardEdit
from media_pipeline.store.views import CreditBalanceView, CreditUsageView, LedgerEntryView

PAID_SOURCES = frozenset({MediaMode.DALLE3, MediaMode.IMAGEN3, MediaMode.SORA2})
"""Sources that bill per generated image: their images are tracked one record each."""
MAX_GRANT = 1_000_000_000


@dataclass(frozen=True)
class Pricing:
    """Credits per image for each mediaMode (a mode not listed costs 0)."""

    prices: Mapping[str, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> Pricing:
        """The prices configured by ``MEDIA_PIPELINE_CREDIT_PRICES``."""
        return cls(dict(settings.credit_prices))

    def price(self, mode: MediaMode | str) -> int:
        """Credits one image of ``mode`` costs."""
        return max(0, int(self.prices.get(str(mode), 0)))

    @staticmethod
    def tracks_images(mode: MediaMode | str) -> bool:
        """Whether ``mode`` is a paid source whose images get one persisted record each."""
        return mode in PAID_SOURCES


# -- balance movements (inside the caller's transaction) -------------------------------------------------


def _ensure_account(session: Session, workspace_id: str, now: datetime) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(CreditAccount)
        .values(workspace_id=workspace_id, balance=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["workspace_id"])
    )


def _move(session: Session, workspace_id: str, delta: int, now: datetime) -> int | None:
    """Add ``delta`` to the balance unless it would go negative; the new balance, or None if refused."""
    return session.scalar(
        update(CreditAccount)
        .where(CreditAccount.workspace_id == workspace_id, CreditAccount.balance + delta >= 0)
        .values(balance=CreditAccount.balance + delta, updated_at=now)
        .returning(CreditAccount.balance)
    )


def _balance(session: Session, workspace_id: str) -> int:
    return (
        session.scalar(select(CreditAccount.balance).where(CreditAccount.workspace_id == workspace_id)) or 0
    )


_DIRECTION = {LedgerKind.GRANT: 1, LedgerKind.RESERVE: -1, LedgerKind.REFUND: 1, LedgerKind.CONSUME: 0}


def _entries(
    session: Session,
    job: ImageJob,
    images: Sequence[PaidImage],
    kind: LedgerKind,
    balance: int,
    now: datetime,
) -> None:
    """One ledger entry per image; ``balance`` is the balance after the whole movement."""
    step = _DIRECTION[kind] * job.price
    after = balance - step * len(images)
    for image in images:
        after += step
        session.add(
            CreditLedgerEntry(
                workspace_id=job.workspace_id,
                user_id=job.user_id,
                kind=kind,
                amount=job.price,
                balance_after=after,
                task_id=job.task_id,
                generation=job.generation,
                image_index=image.image_index,
                note=f"{job.source} image {image.image_index + 1}/{job.total_images}",
                created_at=now,
            )
        )


def _reserve(
    session: Session, jobs_images: Sequence[tuple[ImageJob, list[PaidImage]]], now: datetime
) -> None:
    """Take the credits of ``images`` from their workspaces (all or nothing) and write the ledger."""
    needed: dict[str, int] = defaultdict(int)
    for job, images in jobs_images:
        needed[job.workspace_id] += job.price * len(images)
    balances: dict[str, int] = {}
    for workspace_id, amount in sorted(needed.items()):
        if amount == 0:
            continue
        _ensure_account(session, workspace_id, now)
        balance = _move(session, workspace_id, -amount, now)
        if balance is None:
            available = _balance(session, workspace_id)
            raise InsufficientCredits(
                f"not enough credits: {amount} needed, {available} available",
                {"required": amount, "available": available, "workspaceId": workspace_id},
            )
        balances[workspace_id] = balance + amount  # before; the ledger counts down from here
    for job, images in jobs_images:
        if job.price and images:
            balances[job.workspace_id] -= job.price * len(images)
            _entries(session, job, images, LedgerKind.RESERVE, balances[job.workspace_id], now)


def reserve_generations(session: Session, tasks: Sequence[Task], pricing: Pricing, now: datetime) -> None:
    """Create the image job of each task's new generation that uses a paid source and reserve its cost;
    InsufficientCredits (raised before anything is written to the balance) rolls the caller back."""
    planned: list[tuple[ImageJob, list[PaidImage]]] = []
    for task in tasks:
        settings = TaskSettings.model_validate(task.settings)
        if not pricing.tracks_images(settings.media_mode):
            continue
        job = ImageJob(
            task_id=task.id,
            generation=task.generation,
            workspace_id=task.workspace_id,
            user_id=task.user_id,
            source=settings.media_mode.value,
            price=pricing.price(settings.media_mode),
            total_images=settings.scene_count,
            created_at=now,
            updated_at=now,
        )
        images = [
            PaidImage(
                task_id=task.id,
                generation=task.generation,
                image_index=index,
                style=planned.style,
                role=planned.role,
                created_at=now,
                updated_at=now,
            )
            for index, planned in enumerate(settings.image_plan)
        ]
        planned.append((job, images))
    if not planned:
        return
    _reserve(session, planned, now)
    for job, images in planned:
        session.add(job)
        session.flush()
        for image in images:
            image.job_id = job.id
        session.add_all(images)
    session.flush()


def reserve_unmade(session: Session, task: Task, pricing: Pricing, now: datetime) -> None:
    """Before a manual retry: reserve again the refunded images that were not made (PENDING again), or the
    whole generation if it has no image job yet. A storyboard review's failed regeneration is not made again
    (its review is over)."""
    job = session.scalars(
        select(ImageJob).where(ImageJob.task_id == task.id, ImageJob.generation == task.generation)
    ).first()
    if job is None:
        reserve_generations(session, [task], pricing, now)
        return
    regenerations = select(StoryboardEdit.id).where(
        StoryboardEdit.task_id == PaidImage.task_id,
        StoryboardEdit.generation == PaidImage.generation,
        StoryboardEdit.image_index == PaidImage.image_index,
    )
    images = list(
        session.scalars(
            select(PaidImage)
            .where(PaidImage.job_id == job.id, PaidImage.charge == Charge.REFUNDED, ~exists(regenerations))
            .order_by(PaidImage.image_index)
            .with_for_update()
        )
    )
    if not images:
        return
    _reserve(session, [(job, images)], now)
    for image in images:
        image.status, image.charge, image.error = ImageStatus.PENDING, Charge.RESERVED, None
        image.started_at = image.finished_at = None
        image.updated_at = now
    job.stop_requested_at = None
    job.updated_at = now


def reserve_extra_image(session: Session, job: ImageJob, style: str, prompt: str, now: datetime) -> PaidImage:
    """One more paid image of the generation (a storyboard review's regeneration): a PROCESSING record
    appended to the job (``total_images`` grows by one) whose price is reserved now; InsufficientCredits
    (nothing written) if the balance does not cover it. It is then consumed or refunded like any image."""
    image = PaidImage(
        job_id=job.id,
        task_id=job.task_id,
        generation=job.generation,
        image_index=job.total_images,
        style=style,
        prompt=prompt,
        status=ImageStatus.PROCESSING,
        attempts=1,
        started_at=now,
        created_at=now,
        updated_at=now,
    )
    job.total_images += 1
    _reserve(session, [(job, [image])], now)
    job.updated_at = now
    session.add(image)
    session.flush()
    return image


def refund(session: Session, job: ImageJob, images: Sequence[PaidImage], now: datetime) -> int:
    """Give back the reservations of ``images`` (each must be ``reserved``); returns the credits refunded."""
    if not images:
        return 0
    for image in images:
        image.charge = Charge.REFUNDED
        image.updated_at = now
    amount = job.price * len(images)
    if amount:
        balance = _move(session, job.workspace_id, amount, now)
        _entries(session, job, images, LedgerKind.REFUND, balance or 0, now)
    return amount


def consume(session: Session, job: ImageJob, image: PaidImage, now: datetime) -> None:
    """Spend an image's reservation (it was made)."""
    image.charge = Charge.CONSUMED
    if job.price:
        _entries(session, job, [image], LedgerKind.CONSUME, _balance(session, job.workspace_id), now)


def release_generation(session: Session, task_id: str, generation: int, now: datetime) -> int:
    """The generation ended (stop, cancel or final failure): refund every image not made; images not yet
    made or in flight become CANCELED. Idempotent; returns the credits refunded."""
    job = session.scalars(
        select(ImageJob)
        .where(ImageJob.task_id == task_id, ImageJob.generation == generation)
        .with_for_update()
    ).first()
    if job is None:
        return 0
    images = list(
        session.scalars(
            select(PaidImage)
            .where(
                PaidImage.job_id == job.id,
                PaidImage.charge == Charge.RESERVED,
                PaidImage.status != ImageStatus.COMPLETED,
            )
            .order_by(PaidImage.image_index)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    for image in images:
        if image.status in (ImageStatus.PENDING, ImageStatus.PROCESSING):
            image.status = ImageStatus.CANCELED
            image.finished_at = now
    return refund(session, job, images, now)


# -- services ------------------------------------------------------------------------------------------


class CreditService(OwnedService):
    """The owner's workspace credits: balance, ledger and estimates (grants are an operator action)."""

    def balance(self) -> CreditBalanceView:
        """The workspace's balance and the credits its images in flight hold."""
        workspace_id = self.owner.workspace_id
        with self._read() as session:
            return CreditBalanceView(
                workspace_id=workspace_id,
                balance=_balance(session, workspace_id),
                reserved=self._reserved(session),
            )

    def usage(self, task_id: str) -> CreditUsageView:
        """The credits one task of the workspace consumed and still holds, over all its generations."""
        with self._read() as session:
            consumed = session.scalar(
                select(func.coalesce(func.sum(CreditLedgerEntry.amount), 0)).where(
                    CreditLedgerEntry.workspace_id == self.owner.workspace_id,
                    CreditLedgerEntry.task_id == task_id,
                    CreditLedgerEntry.kind == LedgerKind.CONSUME,
                )
            )
            return CreditUsageView(
                task_id=task_id, consumed=int(consumed or 0), reserved=self._reserved(session, task_id)
            )

    def _reserved(self, session: Session, task_id: str | None = None) -> int:
        """Credits reserved by the workspace's images in flight (of one task, or all)."""
        stmt = (
            select(func.coalesce(func.sum(ImageJob.price), 0))
            .select_from(PaidImage)
            .join(ImageJob, ImageJob.id == PaidImage.job_id)
            .where(ImageJob.workspace_id == self.owner.workspace_id, PaidImage.charge == Charge.RESERVED)
        )
        if task_id is not None:
            stmt = stmt.where(ImageJob.task_id == task_id)
        return int(session.scalar(stmt) or 0)

    def ledger(
        self, limit: int = 100, offset: int = 0, task_id: str | None = None
    ) -> tuple[list[LedgerEntryView], int]:
        """The workspace's ledger, newest first (optionally one task's entries), and the total count."""
        where = [CreditLedgerEntry.workspace_id == self.owner.workspace_id]
        if task_id is not None:
            where.append(CreditLedgerEntry.task_id == task_id)
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(CreditLedgerEntry).where(*where)) or 0
            rows = session.scalars(
                select(CreditLedgerEntry)
                .where(*where)
                .order_by(CreditLedgerEntry.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [LedgerEntryView.model_validate(row) for row in rows], total


class CreditAdmin(StoreBase):
    """Operator actions on any workspace's credits (the CLI and admin-scoped API call these)."""

    def grant(self, workspace_id: str, amount: int, note: str = "", granted_by: str | None = None) -> int:
        """Add ``amount`` credits to the workspace (ledger kind ``grant``); returns the new balance."""
        if not 0 < amount <= MAX_GRANT or not workspace_id or len(workspace_id) > 64:
            raise ValidationFailed(
                "grant a positive amount (at most 1,000,000,000) to a workspace id of 1-64 characters",
                {"errors": [{"field": "amount", "message": "out of range", "type": "value_error"}]},
            )
        now = self.now()
        with self._write() as session:
            _ensure_account(session, workspace_id, now)
            balance = _move(session, workspace_id, amount, now)
            session.add(
                CreditLedgerEntry(
                    workspace_id=workspace_id,
                    user_id=granted_by,
                    kind=LedgerKind.GRANT,
                    amount=amount,
                    balance_after=balance,
                    note=note[:500],
                    created_at=now,
                )
            )
            return int(balance or 0)

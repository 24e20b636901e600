"""ORM models of credits and paid image generation: workspace balances, the credit ledger, one image job
per paid generation and one record per image (docs/ARCHITECTURE.md §7)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from media_pipeline.domain.statuses import ImageStatus
from media_pipeline.store.clock import utcnow
from media_pipeline.store.models import Base, Timestamps, one_of
from media_pipeline.store.types import StrEnumType


class Charge(StrEnum):
    """Where an image's credits are: held for it, spent on it, or given back."""

    RESERVED = "reserved"
    CONSUMED = "consumed"
    REFUNDED = "refunded"


class LedgerKind(StrEnum):
    """``credit_ledger.kind``: grant (+), reserve (-), refund (+) change the balance; consume records
    that a reserved credit was spent (no balance change)."""

    GRANT = "grant"
    RESERVE = "reserve"
    CONSUME = "consume"
    REFUND = "refund"


class CreditAccount(Base):
    """The spendable credits of one workspace; never negative (CHECK and conditional UPDATEs)."""

    __tablename__ = "credit_accounts"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_non_negative"),)

    workspace_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    balance: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditLedgerEntry(Base):
    """One credit movement of ``amount`` credits (positive; ``kind`` gives the direction); task,
    generation and image say what it paid for (NULL for grants)."""

    __tablename__ = "credit_ledger"
    __table_args__ = (
        one_of("kind", LedgerKind),
        Index("ix_credit_ledger_workspace_id_id", "workspace_id", "id"),
        Index("ix_credit_ledger_task_id_generation", "task_id", "generation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[LedgerKind] = mapped_column(StrEnumType(LedgerKind))
    amount: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(64))
    generation: Mapped[int | None]
    image_index: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImageJob(Timestamps, Base):
    """The paid image generation of one task generation (= render job); ``stop_requested_at`` asks the
    worker to stop after the image in progress."""

    __tablename__ = "image_jobs"
    __table_args__ = (UniqueConstraint("task_id", "generation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    price: Mapped[int] = mapped_column(Integer)
    total_images: Mapped[int] = mapped_column(Integer)
    stop_requested_at: Mapped[datetime | None]


class PaidImage(Timestamps, Base):
    """One image of a paid generation (of its image job): what to make, its status, output and charge. The
    table keeps seed 003's name, ``image_tasks``; ``job_id`` is the image job's row id."""

    __tablename__ = "image_tasks"
    __table_args__ = (
        UniqueConstraint("job_id", "image_index"),
        one_of("status", ImageStatus),
        one_of("charge", Charge),
        Index("ix_image_tasks_task_id_generation", "task_id", "generation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("image_jobs.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(64))
    generation: Mapped[int] = mapped_column(Integer)
    image_index: Mapped[int] = mapped_column(Integer)
    style: Mapped[str] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(40), default="", server_default="")
    prompt: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ImageStatus] = mapped_column(StrEnumType(ImageStatus), default=ImageStatus.PENDING)
    charge: Mapped[Charge] = mapped_column(StrEnumType(Charge), default=Charge.RESERVED)
    output_key: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

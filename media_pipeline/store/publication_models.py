"""ORM models of publishing: one row per publication (task generation x target) and the social accounts a
channel setting is connected to (docs/ARCHITECTURE.md §10, publications)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import ConnectionStatus, PublicationStatus
from media_pipeline.store.models import Base, Timestamps, one_of
from media_pipeline.store.types import StrEnumType


class PublicationRow(Timestamps, Base):
    """One publication: its target, the platform's ids, URL, status, error and deferral; a failed one whose
    token was refused names the channel setting whose reconnect resumes it (``awaiting_reconnect``)."""

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("task_id", "generation", "target"),
        Index("ix_publications_awaiting_reconnect", "awaiting_reconnect", "target"),
        one_of("target", PublishTarget),
        one_of("status", PublicationStatus),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    generation: Mapped[int] = mapped_column(Integer)
    target: Mapped[PublishTarget] = mapped_column(StrEnumType(PublishTarget))
    status: Mapped[PublicationStatus] = mapped_column(StrEnumType(PublicationStatus))
    remote_id: Mapped[str | None] = mapped_column(String(200))
    post_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    deferred_until: Mapped[datetime | None]
    awaiting_reconnect: Mapped[str | None] = mapped_column(String(64))


class PublishConnection(Timestamps, Base):
    """The TikTok or Instagram account of a channel setting; its token lives encrypted in
    ``Settings.target_token_file`` (never in the DB)."""

    __tablename__ = "publish_connections"
    __table_args__ = (
        PrimaryKeyConstraint("channel_setting_id", "target"),
        one_of("target", PublishTarget),
        one_of("status", ConnectionStatus),
    )

    channel_setting_id: Mapped[str] = mapped_column(ForeignKey("channel_settings.id", ondelete="CASCADE"))
    target: Mapped[PublishTarget] = mapped_column(StrEnumType(PublishTarget))
    account_id: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[ConnectionStatus] = mapped_column(StrEnumType(ConnectionStatus))
    error: Mapped[str | None] = mapped_column(Text)

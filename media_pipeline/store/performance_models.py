"""ORM models of video performance (docs/ARCHITECTURE.md §13): one row per publication (content item and
target) and day, and the refresh state of each publication (last fetch, deferral, error)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from media_pipeline.store.models import Base


class PerformanceDay(Base):
    """One day of one publication's metrics, upserted at every refresh."""

    __tablename__ = "performance_days"
    __table_args__ = (UniqueConstraint("content_id", "target", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    content_id: Mapped[str] = mapped_column(ForeignKey("user_contents.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(32))
    day: Mapped[date]
    views: Mapped[int] = mapped_column(Integer)
    estimated_minutes_watched: Mapped[float | None] = mapped_column(Float)
    average_view_duration_s: Mapped[float | None] = mapped_column(Float)
    average_view_percentage: Mapped[float | None] = mapped_column(Float)
    likes: Mapped[int | None] = mapped_column(Integer)
    comments: Mapped[int | None] = mapped_column(Integer)
    shares: Mapped[int | None] = mapped_column(Integer)
    subscribers_gained: Mapped[int | None] = mapped_column(Integer)
    reach: Mapped[int | None] = mapped_column(Integer)
    saved: Mapped[int | None] = mapped_column(Integer)
    fetched_at: Mapped[datetime]


class PerformanceFetch(Base):
    """The refresh state of one publication: when its metrics were last read, until when the platform
    asked to wait (quota), the last error, and the length of the script's first line."""

    __tablename__ = "performance_fetches"

    content_id: Mapped[str] = mapped_column(
        ForeignKey("user_contents.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    remote_id: Mapped[str] = mapped_column(String(128))
    fetched_at: Mapped[datetime | None]
    deferred_until: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    first_line_chars: Mapped[int | None] = mapped_column(Integer)
    """Characters of the script's first narration line (the summary groups by its length bucket)."""

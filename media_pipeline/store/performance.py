"""The refresh side of video performance (docs/ARCHITECTURE.md §13): which publications exist and are
due, upserting their daily metrics, deferrals and errors, and which are stale (the freshness check)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from media_pipeline.domain.performance import METRIC_FIELDS, DailyMetrics, Publication
from media_pipeline.domain.publication import PublishTarget
from media_pipeline.domain.statuses import PublicationStatus, UserContentStatus
from media_pipeline.store.base import ConfiguredStore
from media_pipeline.store.channels import CHANNEL_FIELD, default_channel
from media_pipeline.store.clock import as_utc
from media_pipeline.store.models import Task, UserContent
from media_pipeline.store.performance_models import PerformanceDay, PerformanceFetch
from media_pipeline.store.publication_models import PublicationRow

YOUTUBE = "youtube"
ADDITIVE_FIELDS = (
    *("views", "estimated_minutes_watched", "likes", "comments", "shares", "subscribers_gained"),
    *("reach", "saved"),
)
"""The metrics that add up over days (a lifetime counter is their sum); the others are averages."""
METRIC_TARGETS = (PublishTarget.YOUTUBE, PublishTarget.TIKTOK, PublishTarget.INSTAGRAM)
"""The publish targets whose performance is followed (the local folder has none)."""


def youtube_video_id(url: str) -> str | None:
    """The video id of a YouTube URL: ``https://www.youtube.com/watch?v=ID``, ``https://youtu.be/ID`` or
    ``https://www.youtube.com/shorts/ID``."""
    parts = urlsplit(url)
    if values := parse_qs(parts.query).get("v"):
        return values[0]
    path = parts.path.strip("/")
    if parts.hostname == "youtu.be" and path:
        return path
    return path.removeprefix("shorts/") if path.startswith("shorts/") else None


@dataclass(frozen=True)
class StalePublication:
    """A publication whose metrics are older than the freshness limit (or were never read)."""

    content_id: str
    target: str
    fetched_at: datetime | None
    error: str | None


def _publication(
    session: Session, item: UserContent, task: Task, target: str, remote_id: str, published_at: datetime
) -> Publication:
    channel = task.settings.get(CHANNEL_FIELD) or default_channel(session, task.workspace_id)
    return Publication(
        content_id=item.id,
        task_id=task.id,
        workspace_id=task.workspace_id,
        target=target,
        remote_id=remote_id,
        published_at=as_utc(published_at),
        channel_setting_id=channel,
    )


def _minus(lifetime: float | None, before: Any) -> Any:
    """The day's share of a lifetime counter (None stays None: the platform does not report it)."""
    if lifetime is None:
        return None
    difference = lifetime - (before or 0)
    return int(difference) if isinstance(lifetime, int) else difference


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class PerformanceStore(ConfiguredStore):
    """Publications younger than ``performance_max_age_days`` and their refresh state (every workspace)."""

    def publications(self, now: datetime, task_id: str | None = None) -> list[Publication]:
        """The publications to follow (of one task, if given), oldest first: the published rows of the
        ``publications`` table (every target), plus the YouTube URL of content items published before that
        table existed (no ``youtube`` row for their generation)."""
        since = now - timedelta(days=self._settings.performance_max_age_days)
        with self._read() as session:
            found = [*self._recorded(session, since, task_id), *self._legacy(session, since, task_id)]
            found.sort(key=lambda item: (item.published_at, item.content_id, item.target))
            return found

    def _recorded(self, session: Session, since: datetime, task_id: str | None) -> list[Publication]:
        published_at = func.coalesce(UserContent.published_at, PublicationRow.updated_at)
        stmt = (
            select(PublicationRow, UserContent, Task)
            .join(
                UserContent,
                (UserContent.task_id == PublicationRow.task_id)
                & (UserContent.generation == PublicationRow.generation),
            )
            .join(Task, Task.id == PublicationRow.task_id)
            .where(
                PublicationRow.status == PublicationStatus.PUBLISHED,
                PublicationRow.target.in_(METRIC_TARGETS),
                PublicationRow.post_id.is_not(None),
                published_at >= since,
            )
        )
        if task_id is not None:
            stmt = stmt.where(PublicationRow.task_id == task_id)
        return [
            _publication(
                session, item, task, row.target.value, row.post_id or "", item.published_at or row.updated_at
            )
            for row, item, task in session.execute(stmt)
        ]

    def _legacy(self, session: Session, since: datetime, task_id: str | None) -> list[Publication]:
        recorded = select(PublicationRow.id).where(
            PublicationRow.task_id == UserContent.task_id,
            PublicationRow.generation == UserContent.generation,
            PublicationRow.target == PublishTarget.YOUTUBE,
        )
        stmt = (
            select(UserContent, Task)
            .join(Task, Task.id == UserContent.task_id)
            .where(
                UserContent.status == UserContentStatus.PUBLISHED,
                UserContent.youtube_url.is_not(None),
                UserContent.published_at >= since,
                ~recorded.exists(),
            )
        )
        if task_id is not None:
            stmt = stmt.where(UserContent.task_id == task_id)
        found = []
        for item, task in session.execute(stmt):
            remote_id = youtube_video_id(item.youtube_url or "")
            if remote_id is not None and item.published_at is not None:
                found.append(_publication(session, item, task, YOUTUBE, remote_id, item.published_at))
        return found

    def due_tasks(self, now: datetime) -> list[str]:
        """Tasks with a publication due for a refresh: never read, or read longer ago than its interval
        (``performance_early_interval_s`` in its first ``performance_hourly_h`` hours, else
        ``performance_late_interval_s``), and not deferred past ``now``."""
        fetches = self._fetches()
        due: dict[str, None] = {}
        for publication in self.publications(now):
            fetch = fetches.get((publication.content_id, publication.target))
            if fetch is None or fetch.fetched_at is None:
                due.setdefault(publication.task_id)
                continue
            if fetch.deferred_until is not None and fetch.deferred_until > now:
                continue
            if fetch.fetched_at <= now - self._interval(publication, now):
                due.setdefault(publication.task_id)
        return list(due)

    def _interval(self, publication: Publication, now: datetime) -> timedelta:
        early = now - publication.published_at < timedelta(hours=self._settings.performance_hourly_h)
        seconds = (
            self._settings.performance_early_interval_s
            if early
            else self._settings.performance_late_interval_s
        )
        return timedelta(seconds=seconds)

    def _fetches(self) -> dict[tuple[str, str], PerformanceFetch]:
        with self._read() as session:
            rows = session.scalars(select(PerformanceFetch)).all()
            session.expunge_all()
            return {(row.content_id, row.target): row for row in rows}

    def record(
        self, publication: Publication, days: list[DailyMetrics], now: datetime, first_line_chars: int | None
    ) -> int:
        """Upsert one row per reported day (values replaced) and mark the publication fresh; the number
        of days written."""
        with self._write() as session:
            self._upsert(session, publication, days, now)
            self._fresh(session, publication, now, first_line_chars)
        return len(days)

    def record_snapshots(
        self,
        publication: Publication,
        snapshots: list[DailyMetrics],
        now: datetime,
        first_line_chars: int | None,
    ) -> int:
        """Store each snapshot of lifetime counters as its day's row: each additive metric is the snapshot
        minus the sum of the earlier days' rows (so the rows always add up to the latest lifetime value;
        a later snapshot of the same day replaces it); averages are kept as reported. Marks the
        publication fresh; the number of days written."""
        with self._write() as session:
            for snapshot in snapshots:
                self._record_snapshot(session, publication, snapshot, now)
            self._fresh(session, publication, now, first_line_chars)
        return len(snapshots)

    def _record_snapshot(
        self, session: Session, publication: Publication, snapshot: DailyMetrics, now: datetime
    ) -> None:
        earlier = session.execute(
            select(*(func.sum(getattr(PerformanceDay, name)) for name in ADDITIVE_FIELDS)).where(
                PerformanceDay.content_id == publication.content_id,
                PerformanceDay.target == publication.target,
                PerformanceDay.day < snapshot.day,
            )
        ).one()
        differences = {
            name: _minus(getattr(snapshot, name), before)
            for name, before in zip(ADDITIVE_FIELDS, earlier, strict=True)
        }
        self._upsert(session, publication, [replace(snapshot, **differences)], now)

    def _upsert(
        self, session: Session, publication: Publication, days: list[DailyMetrics], now: datetime
    ) -> None:
        if not days:
            return
        insert = _insert(session)
        keys = {"content_id": publication.content_id, "target": publication.target, "fetched_at": now}
        stmt = insert(PerformanceDay).values([{**asdict(day), **keys} for day in days])
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["content_id", "target", "day"],
                set_={name: stmt.excluded[name] for name in (*METRIC_FIELDS, "fetched_at")},
            )
        )

    def _fresh(
        self, session: Session, publication: Publication, now: datetime, first_line_chars: int | None
    ) -> None:
        self._set_fetch(
            session,
            publication,
            fetched_at=now,
            deferred_until=None,
            error=None,
            first_line_chars=first_line_chars,
        )

    def defer(self, publication: Publication, until: datetime | None, error: str) -> None:
        """Remember why the refresh did not happen and until when not to try again (None: next tick)."""
        with self._write() as session:
            self._set_fetch(session, publication, deferred_until=until, error=error[:2000])

    def defer_a_day(self, publication: Publication, now: datetime, error: str) -> None:
        """Defer by the daily interval: a refusal (the channel must be connected again) is not retried
        at every tick."""
        self.defer(publication, now + timedelta(seconds=self._settings.performance_late_interval_s), error)

    def _set_fetch(self, session: Session, publication: Publication, **values: Any) -> None:
        row = session.get(PerformanceFetch, (publication.content_id, publication.target))
        if row is None:
            row = PerformanceFetch(
                content_id=publication.content_id, target=publication.target, remote_id=publication.remote_id
            )
            session.add(row)
        row.remote_id = publication.remote_id
        for name, value in values.items():
            setattr(row, name, value)

    def stale(self, task_id: str, now: datetime) -> list[StalePublication]:
        """The task's publications whose metrics are older than ``performance_stale_h`` hours (or were
        never read) while they are old enough to have been read (published before that limit)."""
        limit = now - timedelta(hours=self._settings.performance_stale_h)
        fetches = self._fetches()
        stale = []
        for publication in self.publications(now, task_id):
            fetch = fetches.get((publication.content_id, publication.target))
            fetched_at = fetch.fetched_at if fetch else None
            if (fetched_at or publication.published_at) < limit:
                stale.append(
                    StalePublication(
                        publication.content_id, publication.target, fetched_at, fetch.error if fetch else None
                    )
                )
        return stale

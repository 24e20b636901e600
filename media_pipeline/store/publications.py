"""The publication records (table ``publications``, docs/ARCHITECTURE.md §10, publications): one row per
(task, generation, target), saved by the publish stage before and after every remote call, so a retry after
a crash resumes from what the row says instead of posting again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.store.base import StoreBase
from media_pipeline.store.publication_models import PublicationRow

FIELDS = ("status", "remote_id", "post_id", "url", "error", "deferred_until", "awaiting_reconnect")
"""What a save changes (the key columns never change)."""


def _view(row: PublicationRow) -> Publication:
    return Publication(
        task_id=row.task_id,
        generation=row.generation,
        target=row.target,
        status=row.status,
        remote_id=row.remote_id,
        post_id=row.post_id,
        url=row.url,
        error=row.error,
        deferred_until=row.deferred_until,
        awaiting_reconnect=row.awaiting_reconnect,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _row(session: Session, task_id: str, generation: int, target: PublishTarget) -> PublicationRow | None:
    return session.scalars(
        select(PublicationRow).where(
            PublicationRow.task_id == task_id,
            PublicationRow.generation == generation,
            PublicationRow.target == target,
        )
    ).first()


class Publications(StoreBase):
    """Reads and writes publication rows for the publish stage (a worker: no owner scoping; the API reads
    them through ``for_task`` after its own ownership check)."""

    def load(self, task_id: str, generation: int, target: PublishTarget) -> Publication:
        """The saved publication, or a new ``pending`` one (not yet saved)."""
        with self._read() as session:
            row = _row(session, task_id, generation, target)
            return (
                _view(row)
                if row is not None
                else Publication(task_id=task_id, generation=generation, target=target)
            )

    def save(self, publication: Publication) -> Publication:
        """Insert or update the row of ``publication`` (committed before this returns)."""
        now = self.now()
        with self._write() as session:
            row = _row(session, publication.task_id, publication.generation, publication.target)
            if row is None:
                row = PublicationRow(
                    task_id=publication.task_id,
                    generation=publication.generation,
                    target=publication.target,
                    created_at=now,
                )
                session.add(row)
            for name in FIELDS:
                setattr(row, name, getattr(publication, name))
            row.updated_at = now
            session.flush()
            return _view(row)

    def for_task(self, task_id: str) -> list[Publication]:
        """Every publication of the task, newest generation first, then by target."""
        with self._read() as session:
            rows = session.scalars(
                select(PublicationRow)
                .where(PublicationRow.task_id == task_id)
                .order_by(PublicationRow.generation.desc(), PublicationRow.target)
            ).all()
            return [_view(row) for row in rows]

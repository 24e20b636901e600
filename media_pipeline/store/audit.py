"""The workspace audit log (docs/ARCHITECTURE.md §10): every admin action on users and credits and every
channel connect/disconnect, written in the transaction of the action itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from media_pipeline.store.account_models import AuditEntry
from media_pipeline.store.base import OwnedService
from media_pipeline.store.owner import Owner
from media_pipeline.store.views import AuditEntryView


def record(session: Session, actor: Owner, action: str, target: str, now: datetime, **details: Any) -> None:
    """Add an entry for ``actor``'s ``action`` on ``target`` to the session's transaction (never secrets)."""
    session.add(
        AuditEntry(
            workspace_id=actor.workspace_id,
            actor_id=actor.user_id,
            action=action,
            target=target[:200],
            details=details,
            created_at=now,
        )
    )


class AuditLog(OwnedService):
    """The owner's workspace audit log, newest first."""

    def list(self, limit: int = 100, offset: int = 0) -> tuple[list[AuditEntryView], int]:
        """A page of entries and the total count."""
        where = AuditEntry.workspace_id == self.owner.workspace_id
        with self._read() as session:
            total = session.scalar(select(func.count()).select_from(AuditEntry).where(where)) or 0
            rows = session.scalars(
                select(AuditEntry).where(where).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
            ).all()
            return [AuditEntryView.model_validate(row) for row in rows], int(total)

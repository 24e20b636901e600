"""Idempotent Run of a queue (docs/ARCHITECTURE.md §3, invariant 2; seed 000 §5): the result of a Run is
kept for ``KEEP`` under its request key, and a repeated Run with that key answers it instead of queuing
again. The key is the client's ``Idempotency-Key`` or the queue version the Run was based on."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from media_pipeline.store.models import QueueRunRequest
from media_pipeline.store.views import RunResult

KEEP = timedelta(hours=24)
"""How long a Run's result answers repeats of it."""


def idempotency_key(key: str) -> str:
    """The request key of a Run sent with the ``Idempotency-Key`` header ``key``."""
    return f"key:{key}"


def version_key(version: int) -> str:
    """The request key of a Run based on queue ``version`` (a version is only current once)."""
    return f"version:{version}"


def earlier_run(session: Session, queue_id: str, request_key: str, now: datetime) -> RunResult | None:
    """The result of a Run with ``request_key`` on the queue within ``KEEP`` of ``now``, if there was one."""
    stored = session.scalar(
        select(QueueRunRequest.result).where(
            QueueRunRequest.queue_id == queue_id,
            QueueRunRequest.request_key == request_key,
            QueueRunRequest.created_at > now - KEEP,
        )
    )
    return None if stored is None else RunResult.model_validate(stored)


def record_run(session: Session, queue_id: str, request_key: str, result: RunResult, now: datetime) -> None:
    """Keep ``result`` under ``request_key`` (in the Run's transaction) and drop the queue's expired
    records; a concurrent Run with the same key fails the unique constraint at flush."""
    session.execute(
        delete(QueueRunRequest)
        .where(QueueRunRequest.queue_id == queue_id, QueueRunRequest.created_at <= now - KEEP)
        .execution_options(synchronize_session=False)
    )
    session.add(
        QueueRunRequest(
            queue_id=queue_id, request_key=request_key, result=result.model_dump(mode="json"), created_at=now
        )
    )

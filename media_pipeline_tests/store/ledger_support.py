"""The credit ledger's books must balance after every credits test: the signed sum of a workspace's
entries is its balance, and every settled image job reserved exactly what it consumed plus refunded."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from media_pipeline.store.credit_models import Charge, CreditAccount, CreditLedgerEntry, LedgerKind, PaidImage
from media_pipeline.store.db import resolve_engine

SIGN = {LedgerKind.GRANT: 1, LedgerKind.RESERVE: -1, LedgerKind.REFUND: 1, LedgerKind.CONSUME: 0}


def assert_balanced_ledger(engine_or_url: Engine | str, workspace_id: str) -> None:
    """Fail unless the workspace's ledger sums to its balance and every settled generation's reserved
    credits equal its consumed plus refunded credits."""
    engine = resolve_engine(engine_or_url)
    with Session(engine) as session:
        balance = session.scalar(
            select(CreditAccount.balance).where(CreditAccount.workspace_id == workspace_id)
        )
        entries = session.scalars(
            select(CreditLedgerEntry).where(CreditLedgerEntry.workspace_id == workspace_id)
        ).all()
        assert sum(SIGN[entry.kind] * entry.amount for entry in entries) == (balance or 0)
        moved: dict[tuple[str, int], Counter[LedgerKind]] = {}
        for entry in entries:
            if entry.task_id is not None and entry.generation is not None:
                moved.setdefault((entry.task_id, entry.generation), Counter())[entry.kind] += entry.amount
        for (task_id, generation), kinds in moved.items():
            held = session.scalars(
                select(PaidImage.id).where(
                    PaidImage.task_id == task_id,
                    PaidImage.generation == generation,
                    PaidImage.charge == Charge.RESERVED,
                )
            ).first()
            if held is None:  # settled: nothing is reserved any more
                reserved = kinds[LedgerKind.RESERVE]
                assert reserved == kinds[LedgerKind.CONSUME] + kinds[LedgerKind.REFUND], (task_id, kinds)

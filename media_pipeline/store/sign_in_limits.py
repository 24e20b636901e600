"""Sign-in rate limit (docs/ARCHITECTURE.md §11): failed sign-ins are counted per username and per client
address in the app DB, so the limit holds across every API process (``uvicorn --workers N``, replicas).

Each key's window begins at its first failure and lasts ``window``; past the limit every attempt (right
password or not, existing user or not) waits until that window ends. A failure is one atomic upsert
(``INSERT ... ON CONFLICT DO UPDATE``, SQLite and PostgreSQL alike): concurrent failures in several
processes all count."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import Clock, as_utc
from media_pipeline.store.models import SignInLimit

ADDRESS_FACTOR = 4
"""An address may fail this many times the per-user limit (several users behind one NAT)."""


class SignInLimits(StoreBase):
    """Failures per ``user:<name>`` and ``address:<ip>`` key: at most ``max_failures`` per user (and
    ``ADDRESS_FACTOR`` times that per address) within ``window_s`` (the settings' ``login_max_failures``
    and ``login_window_s``)."""

    def __init__(
        self, engine_or_url: Engine | str, *, max_failures: int, window_s: float, clock: Clock | None = None
    ) -> None:
        super().__init__(engine_or_url, clock=clock)
        self._limits = {"user": max_failures, "address": max_failures * ADDRESS_FACTOR}
        self._window = timedelta(seconds=window_s)

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until ``username`` from ``address`` may try again, or None if it may now."""
        now = self.now()
        keys = dict(_keys(username, address))
        with self._read() as session:
            rows = session.execute(
                select(SignInLimit.key, SignInLimit.window_started_at, SignInLimit.failures).where(
                    SignInLimit.key.in_(keys), SignInLimit.window_started_at > now - self._window
                )
            ).all()
        waits = [
            (as_utc(started) + self._window - now).total_seconds()
            for key, started, failures in rows
            if failures >= self._limits[keys[key]]
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str) -> None:
        """Count a failed sign-in (and forget the keys whose window has ended)."""
        now = self.now()
        cutoff = now - self._window
        ended = SignInLimit.window_started_at <= cutoff
        with self._write() as session:
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(delete(SignInLimit).where(ended))
            for key, _ in _keys(username, address):
                session.execute(
                    insert(SignInLimit)
                    .values(key=key, window_started_at=now, failures=1)
                    .on_conflict_do_update(
                        index_elements=["key"],
                        set_={  # both read the row as it was: a window that ended starts again
                            "failures": case((ended, 1), else_=SignInLimit.failures + 1),
                            "window_started_at": case((ended, now), else_=SignInLimit.window_started_at),
                        },
                    )
                )


def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """The limited keys of an attempt and the kind of limit of each."""
    return (f"user:{username.casefold()}", "user"), (f"address:{address}", "address")

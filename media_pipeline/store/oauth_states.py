"""Pending channel connections (docs/ARCHITECTURE.md §10): the OAuth ``state`` of each, bound to the user who
started it and to their browser (a nonce in an HttpOnly cookie), with the PKCE verifier; single use and
short-lived. Only SHA-256 digests of the state and nonce are stored."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from media_pipeline.store.account_models import OAuthState
from media_pipeline.store.base import StoreBase
from media_pipeline.store.owner import Owner

STATE_TTL = timedelta(minutes=10)


def digest(value: str) -> str:
    """The hex SHA-256 of ``value``."""
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class PendingConnection:
    """A taken state: who started it and the (encrypted) code verifier."""

    owner: Owner
    code_verifier: str


class OAuthStates(StoreBase):
    """Stores and takes (once) the states of connections in progress."""

    def put(self, owner: Owner, state: str, browser_nonce: str, code_verifier: str) -> None:
        """Remember a new state for ``STATE_TTL`` (expired ones are purged on the way)."""
        now = self.now()
        with self._write() as session:
            session.execute(delete(OAuthState).where(OAuthState.expires_at < now))
            session.add(
                OAuthState(
                    state_hash=digest(state),
                    user_id=owner.user_id,
                    workspace_id=owner.workspace_id,
                    browser_hash=digest(browser_nonce),
                    code_verifier=code_verifier,
                    expires_at=now + STATE_TTL,
                )
            )

    def take(self, state: str, browser_nonce: str | None) -> PendingConnection | None:
        """The pending connection of ``state``, deleted so it cannot be used again; None if the state is
        unknown, used, expired or was started in another browser."""
        now = self.now()
        with self._write() as session:
            row = session.scalars(
                select(OAuthState).where(OAuthState.state_hash == digest(state)).with_for_update()
            ).first()
            if row is None:
                return None
            session.delete(row)
            if (
                row.expires_at < now
                or browser_nonce is None
                or not hmac.compare_digest(row.browser_hash, digest(browser_nonce))
            ):
                return None
            return PendingConnection(Owner(row.user_id, row.workspace_id), row.code_verifier)

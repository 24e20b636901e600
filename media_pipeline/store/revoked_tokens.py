"""Signed-out bearer tokens (docs/ARCHITECTURE.md §11): a token's ``jti`` is kept until the token would
have expired, every request checks it, and expired entries are pruned when a token is revoked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import as_utc
from media_pipeline.store.models import RevokedToken


class RevokedTokens(StoreBase):
    """The server-side revocation list of bearer tokens (not owner-scoped: a ``jti`` is unguessable)."""

    def revoke(self, jti: str, expires_at: datetime) -> None:
        """Refuse the token ``jti`` from now until ``expires_at`` (repeating it changes nothing)."""
        now = self.now()
        try:
            with self._write() as session:
                session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
                if session.get(RevokedToken, jti) is None:
                    session.add(RevokedToken(jti=jti, expires_at=as_utc(expires_at), revoked_at=now))
        except IntegrityError:  # a concurrent sign-out of the same token revoked it
            pass

    def is_revoked(self, jti: str) -> bool:
        """Whether the token ``jti`` was signed out."""
        with self._read() as session:
            return session.scalar(select(RevokedToken.jti).where(RevokedToken.jti == jti)) is not None

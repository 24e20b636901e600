"""Signed-out bearer tokens (docs/ARCHITECTURE.md §11): a token's ``jti`` is kept until the token would
have expired, every request checks it, and expired entries are pruned when a token is revoked."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import bindparam, delete, exists, select
from sqlalchemy.exc import IntegrityError

from media_pipeline.store.base import StoreBase
from media_pipeline.store.clock import as_utc
from media_pipeline.store.db import read_connection
from media_pipeline.store.models import RevokedToken, User

Refusal = Literal["signed out", "disabled"]
"""Why a well-formed, unexpired bearer token is refused."""


_REFUSAL = select(
    exists().where(RevokedToken.jti == bindparam("jti")),  # a NULL jti (dev tokens) matches nothing
    select(User.disabled_at).where(User.id == bindparam("user_id")).scalar_subquery(),
)
"""Whether the token is signed out, and its user's ``disabled_at`` (``RevokedTokens.refusal``)."""


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

    def refusal(self, jti: str | None, user_id: str) -> Refusal | None:
        """Why a token ``jti`` of ``user_id`` is refused now (signed out, or its user disabled), or None; one
        query, as every request checks both (ids of dev tokens without a user are not disabled). Read on a
        plain connection with a statement built once: every request pays for it, and an ORM session cost
        about twice the query's CPU."""
        with read_connection(self.engine) as connection:
            row = connection.execute(_REFUSAL, {"jti": jti, "user_id": user_id}).one()
        if row[0]:
            return "signed out"
        return "disabled" if row[1] is not None else None

"""Console users: create them (``media-pipeline user add``) and check their passwords (argon2id)."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from media_pipeline.store.base import StoreBase
from media_pipeline.store.errors import ConflictError, ValidationFailed
from media_pipeline.store.ids import new_id
from media_pipeline.store.models import User
from media_pipeline.store.owner import Owner

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD_LEN = 8
MAX_PASSWORD_LEN = 1024
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not-a-password-of-anyone")
"""Verified against when the user is unknown, so both failures take the same time."""


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        message, {"errors": [{"field": field, "message": message, "type": "value_error"}]}
    )


class UserService(StoreBase):
    """Users of the console; each user is the ``Owner`` (user id, workspace) of their tasks."""

    def add(self, username: str, password: str, workspace_id: str = "default") -> Owner:
        """Create a user; ConflictError if the name is taken, ValidationFailed for a bad name/password."""
        if not USERNAME_PATTERN.fullmatch(username):
            raise _invalid("username", "use 1-64 letters, digits, '.', '_', '@' or '-'")
        if not MIN_PASSWORD_LEN <= len(password) <= MAX_PASSWORD_LEN:
            raise _invalid("password", f"the password needs at least {MIN_PASSWORD_LEN} characters")
        owner = Owner(new_id("u"), workspace_id)
        now = self.now()
        user = User(
            id=owner.user_id,
            username=username,
            workspace_id=workspace_id,
            password_hash=_HASHER.hash(password),
            created_at=now,
            updated_at=now,
        )
        try:
            with self._write() as session:
                session.add(user)
        except IntegrityError as exc:
            raise ConflictError(f"user {username!r} exists", {"username": username}) from exc
        return owner

    def authenticate(self, username: str, password: str) -> tuple[Owner, str] | None:
        """The owner and username if the password matches, else None (unknown user or wrong password)."""
        with self._read() as session:
            row = session.execute(
                select(User.id, User.workspace_id, User.password_hash).where(User.username == username)
            ).first()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        return (Owner(row.id, row.workspace_id), username) if row else None

"""Console users: create them (``media-pipeline user add`` or a workspace admin in the console), check their
passwords (argon2id); a disabled user cannot sign in and their tokens stop working (docs/ARCHITECTURE.md
§10)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import NamedTuple

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


def password_hash(password: str) -> str:
    """The argon2id hash of a valid password; ValidationFailed if it is too short or too long."""
    if not MIN_PASSWORD_LEN <= len(password) <= MAX_PASSWORD_LEN:
        raise _invalid("password", f"the password needs at least {MIN_PASSWORD_LEN} characters")
    return _HASHER.hash(password)


def new_user(
    username: str, password: str, workspace_id: str, now: datetime, *, is_admin: bool = False
) -> User:
    """A new user row (not yet added); ValidationFailed for a bad name or password."""
    if not USERNAME_PATTERN.fullmatch(username):
        raise _invalid("username", "use 1-64 letters, digits, '.', '_', '@' or '-'")
    owner = Owner(new_id("u"), workspace_id)  # the services' limits on the workspace id
    return User(
        id=owner.user_id,
        username=username,
        workspace_id=workspace_id,
        password_hash=password_hash(password),
        is_admin=is_admin,
        created_at=now,
        updated_at=now,
    )


def username_taken(username: str) -> ConflictError:
    """The error of a username that exists already."""
    return ConflictError(f"user {username!r} exists", {"username": username})


class SignedIn(NamedTuple):
    """Who signed in: their owner, username and whether they administer their workspace."""

    owner: Owner
    username: str
    is_admin: bool


class UserService(StoreBase):
    """Users of the console; each user is the ``Owner`` (user id, workspace) of their tasks."""

    def add(
        self, username: str, password: str, workspace_id: str = "default", *, is_admin: bool = False
    ) -> Owner:
        """Create a user; ConflictError if the name is taken, ValidationFailed for a bad name/password."""
        user = new_user(username, password, workspace_id, self.now(), is_admin=is_admin)
        try:
            with self._write() as session:
                session.add(user)
        except IntegrityError as exc:
            raise username_taken(username) from exc
        return Owner(user.id, workspace_id)

    def authenticate(self, username: str, password: str) -> SignedIn | None:
        """Who signed in if the password matches and the user is enabled, else None (unknown, disabled or
        wrong password: the caller cannot tell which)."""
        with self._read() as session:
            row = session.execute(
                select(User.id, User.workspace_id, User.password_hash, User.is_admin, User.disabled_at).where(
                    User.username == username
                )
            ).first()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        return SignedIn(Owner(row.id, row.workspace_id), username, row.is_admin)

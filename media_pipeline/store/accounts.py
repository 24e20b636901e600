"""A workspace admin's account actions (docs/ARCHITECTURE.md §10): list and create users, reset a password,
disable or enable a user, grant credits; each action writes its audit log entry in the same transaction.
Users of other workspaces are invisible (NotFound)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from media_pipeline.store.audit import record
from media_pipeline.store.base import OwnedService
from media_pipeline.store.credits import CreditAdmin
from media_pipeline.store.errors import ConflictError, NotFoundError
from media_pipeline.store.models import User
from media_pipeline.store.users import new_user, password_hash, username_taken
from media_pipeline.store.views import UserView


class WorkspaceAccounts(OwnedService):
    """The admin ``owner``'s workspace: its users and credit grants."""

    def list_users(self) -> list[UserView]:
        """Every user of the workspace, by username."""
        with self._read() as session:
            rows = session.scalars(
                select(User).where(User.workspace_id == self.owner.workspace_id).order_by(User.username)
            ).all()
            return [UserView.model_validate(row) for row in rows]

    def create_user(self, username: str, password: str, *, is_admin: bool = False) -> UserView:
        """A new user of the workspace; ConflictError if the name is taken anywhere."""
        now = self.now()
        user = new_user(username, password, self.owner.workspace_id, now, is_admin=is_admin)
        try:
            with self._write() as session:
                session.add(user)
                session.flush()
                record(session, self.owner, "user.create", user.id, now, username=username, isAdmin=is_admin)
                return UserView.model_validate(user)
        except IntegrityError as exc:
            raise username_taken(username) from exc

    def reset_password(self, user_id: str, password: str) -> UserView:
        """Give the user a new password (the old one stops working at once)."""
        hashed = password_hash(password)
        now = self.now()
        with self._write() as session:
            user = self._user(session, user_id)
            user.password_hash = hashed
            user.updated_at = now
            record(session, self.owner, "user.reset_password", user.id, now, username=user.username)
            return UserView.model_validate(user)

    def set_disabled(self, user_id: str, disabled: bool) -> UserView:
        """Disable (they cannot sign in, their tokens are refused) or enable a user; idempotent. An admin
        cannot disable themselves (ConflictError)."""
        if disabled and user_id == self.owner.user_id:
            raise ConflictError("you cannot disable your own account", {"userId": user_id})
        now = self.now()
        with self._write() as session:
            user = self._user(session, user_id)
            if (user.disabled_at is not None) != disabled:
                user.disabled_at = now if disabled else None
                user.updated_at = now
                action = "user.disable" if disabled else "user.enable"
                record(session, self.owner, action, user.id, now, username=user.username)
            return UserView.model_validate(user)

    def grant_credits(self, amount: int, note: str = "") -> int:
        """Add ``amount`` credits to the workspace (ledger kind ``grant``) and audit it; the new balance."""
        balance = CreditAdmin(self.engine, clock=self._clock).grant(
            self.owner.workspace_id, amount, note, granted_by=self.owner.user_id
        )
        with self._write() as session:
            record(
                session,
                self.owner,
                "credits.grant",
                self.owner.workspace_id,
                self.now(),
                amount=amount,
                note=note[:500],
                balance=balance,
            )
        return balance

    def _user(self, session: Session, user_id: str) -> User:
        user = session.scalars(
            select(User)
            .where(User.id == user_id, User.workspace_id == self.owner.workspace_id)
            .with_for_update()
        ).first()
        if user is None:
            raise NotFoundError(f"user {user_id!r} not found", {"userId": user_id})
        return user

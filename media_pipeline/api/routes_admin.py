"""Workspace administration (``/api/v1/admin``, tokens with the ``admin`` scope: a workspace admin's
sign-in): the workspace's users (create, reset a password, disable/enable) and its audit log
(docs/ARCHITECTURE.md §10). Users of another workspace answer 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel

from media_pipeline.api.deps import AdminOwner, Context
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import ApiModel, Items, Page, UtcTimes
from media_pipeline.store import (
    MAX_PASSWORD_LEN,
    AuditEntryView,
    AuditLog,
    Owner,
    UserView,
    WorkspaceAccounts,
)

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses=responses(400, 401, 403, 404, 422))
UserId = Annotated[str, Path(alias="userId", pattern=r"^u[0-9a-f]{12}$", max_length=64)]
_CAMEL = ConfigDict(alias_generator=to_camel, populate_by_name=True, from_attributes=True)
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
Password = Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]


class User(UtcTimes, UserView):
    """A user of the workspace."""

    model_config = _CAMEL


class AuditEntry(UtcTimes, AuditEntryView):
    """An audit log entry: who (``actorId``) did what (``action``) to ``target``, and when."""

    model_config = _CAMEL


class NewUser(ApiModel):
    """A user to create in the admin's workspace."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Password
    is_admin: bool = False


class NewPassword(ApiModel):
    """The user's new password."""

    password: Password


class UserChange(ApiModel):
    """Disable (``true``) or enable (``false``) the user."""

    disabled: bool


def _accounts(context: Context, owner: Owner) -> WorkspaceAccounts:
    return WorkspaceAccounts(context.engine, owner, clock=context.clock)


@router.get("/users", summary="The workspace's users")
def list_users(context: Context, admin: AdminOwner) -> Items[User]:
    return Items[User](items=_accounts(context, admin).list_users())


@router.post("/users", status_code=201, response_model=User, summary="Create a user in the workspace")
def create_user(body: NewUser, context: Context, admin: AdminOwner) -> UserView:
    return _accounts(context, admin).create_user(body.username, body.password, is_admin=body.is_admin)


@router.post("/users/{userId}/password", response_model=User, summary="Reset a user's password")
def reset_password(user_id: UserId, body: NewPassword, context: Context, admin: AdminOwner) -> UserView:
    return _accounts(context, admin).reset_password(user_id, body.password)


@router.patch("/users/{userId}", response_model=User, summary="Disable or enable a user")
def change_user(user_id: UserId, body: UserChange, context: Context, admin: AdminOwner) -> UserView:
    return _accounts(context, admin).set_disabled(user_id, body.disabled)


@router.get("/audit", summary="The workspace's audit log, newest first")
def audit_log(
    context: Context, admin: AdminOwner, limit: Limit = 100, offset: Offset = 0
) -> Page[AuditEntry]:
    log = AuditLog(context.engine, admin, clock=context.clock)
    entries, total = log.list(limit, offset)
    return Page[AuditEntry](items=entries, total=total, limit=limit, offset=offset)

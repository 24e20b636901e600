"""Sign-in (``POST /api/auth/login``): a username and password give the same JWT the API accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.auth import DEFAULT_TTL_S, mint_token, unauthorized
from media_pipeline.api.deps import Context
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import ApiModel
from media_pipeline.store import MAX_PASSWORD_LEN, UserService

router = APIRouter(prefix="/api/auth", tags=["auth"], responses=responses(400, 401, 413, 422))


class LoginBody(ApiModel):
    """Credentials of a user created with ``media-pipeline user add``."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LEN)]


class SignedInUser(ApiModel):
    """Who signed in."""

    id: str
    username: str
    workspace_id: str


class LoginResult(ApiModel):
    """A bearer token (send as ``Authorization: Bearer``) and when it expires."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: SignedInUser


@router.post("/login", summary="Sign in with username and password; returns a bearer token")
async def login(body: LoginBody, context: Context) -> LoginResult:
    users = UserService(context.engine, clock=context.clock, settings=context.settings)
    found = await run_in_threadpool(users.authenticate, body.username, body.password)
    if found is None:
        raise unauthorized("wrong username or password")
    owner, username = found
    token = mint_token(owner.user_id, owner.workspace_id, context.settings, ttl_s=DEFAULT_TTL_S)
    return LoginResult(
        access_token=token,
        expires_at=datetime.now(UTC) + timedelta(seconds=DEFAULT_TTL_S),
        user=SignedInUser(id=owner.user_id, username=username, workspace_id=owner.workspace_id),
    )

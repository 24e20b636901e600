"""Sign-in (``POST /api/auth/login``): a username and password give the same JWT the API accepts (with the
``admin`` scope for a workspace admin; a disabled user cannot sign in); failed sign-ins are rate-limited per
username and address (429, ``Retry-After``). Sign-out (``POST /api/auth/logout``) revokes the token it is
sent with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.auth import unauthorized
from media_pipeline.api.deps import Context, Credentials
from media_pipeline.api.errors import ApiError, responses
from media_pipeline.api.schemas import ApiModel
from media_pipeline.store import MAX_PASSWORD_LEN, UserService
from media_pipeline.usecases_tokens import DEFAULT_SCOPES, DEFAULT_TTL_S, mint_token

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
    is_admin: bool = False


class LoginResult(ApiModel):
    """A bearer token (send as ``Authorization: Bearer``) and when it expires."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: SignedInUser


@router.post(
    "/login",
    responses=responses(429),
    summary="Sign in with username and password; returns a bearer token (rate-limited)",
)
async def login(body: LoginBody, context: Context, request: Request) -> LoginResult:
    address = request.client.host if request.client else "unknown"
    limits = context.sign_in_limits
    wait_s = await run_in_threadpool(limits.retry_after, body.username, address)
    if wait_s is not None:  # the same answer whether the user exists or not
        raise ApiError(
            429, "too many failed sign-ins; try again later", {"retryAfterS": wait_s},
            headers={"Retry-After": str(wait_s)},
        )  # fmt: skip
    users = UserService(context.engine, clock=context.clock)
    found = await run_in_threadpool(users.authenticate, body.username, body.password)
    if found is None:
        await run_in_threadpool(limits.failed, body.username, address)
        raise unauthorized("wrong username or password")
    owner, username, is_admin = found
    scopes = (*DEFAULT_SCOPES, "admin") if is_admin else DEFAULT_SCOPES
    token = mint_token(
        owner.user_id, owner.workspace_id, context.settings, ttl_s=DEFAULT_TTL_S, scopes=scopes
    )
    return LoginResult(
        access_token=token,
        expires_at=datetime.now(UTC) + timedelta(seconds=DEFAULT_TTL_S),
        user=SignedInUser(
            id=owner.user_id, username=username, workspace_id=owner.workspace_id, is_admin=is_admin
        ),
    )


@router.post("/logout", status_code=204, summary="Sign out: the bearer token is refused from now on")
async def logout(context: Context, credentials: Credentials) -> Response:
    principal = await run_in_threadpool(
        context.authenticate, credentials.credentials if credentials else None
    )
    if principal.token_id is None or principal.expires_at is None:
        raise ApiError(
            422, "this token cannot be signed out (no jti); let it expire", code="VALIDATION_ERROR"
        )
    await run_in_threadpool(context.revoked_tokens.revoke, principal.token_id, principal.expires_at)
    return Response(status_code=204)

"""A channel setting's publish targets and its TikTok / Instagram accounts (docs/ARCHITECTURE.md §10,
publications).

``GET``/``PUT /api/channels/{id}/targets`` read and replace the targets (``youtube``, ``tiktok``,
``instagram``) with the accounts' states (``connected`` or ``reconnect``); ``POST
/api/channels/{id}/connections/{target}`` answers the platform's consent URL and sets an HttpOnly cookie
binding the flow to this browser; the platform redirects to ``GET /api/channels/oauth/{target}/callback``,
which stores the token encrypted and redirects to the console's channels page (``?connected=<id>`` or
``?error=<OAUTH_* code>``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.deps import Context, ReadOwner, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.routes_channel_connect import CONSOLE_PAGE, ConnectStart
from media_pipeline.api.schemas import ApiModel
from media_pipeline.store import STATE_TTL
from media_pipeline.usecases_channels import ConnectRefused
from media_pipeline.usecases_social import PublishSetup, SocialConnections

router = APIRouter(prefix="/api/channels", tags=["channels"], responses=responses(400))
COOKIE = "mp_social_nonce"
CALLBACK_PREFIX = "/api/channels/oauth/"
Social = Literal["tiktok", "instagram"]
ChannelId = Annotated[str, Path(max_length=64)]
Param = Annotated[str | None, Query(max_length=2048)]


class ConnectionOut(ApiModel):
    """A connected account; ``status`` ``reconnect`` once the platform refused its token."""

    target: str
    account_name: str
    status: str
    error: str | None
    updated_at: datetime


class TargetsOut(ApiModel):
    """Where the channel setting's videos are published, and its connected accounts."""

    targets: list[str]
    connections: list[ConnectionOut]


class TargetsIn(ApiModel):
    """The new list of targets, in publishing order."""

    targets: Annotated[list[Annotated[str, Field(max_length=16)]], Field(max_length=3)]


def _out(setup: PublishSetup) -> TargetsOut:
    return TargetsOut(
        targets=[target.value for target in setup.targets],
        connections=[
            ConnectionOut(
                target=c.target.value,
                account_name=c.account_name,
                status=c.status.value,
                error=c.error,
                updated_at=c.updated_at,
            )
            for c in setup.connections
        ],
    )


def social(context: Context) -> SocialConnections:
    """The publish-target commands of this API."""
    return SocialConnections(context.engine, context.settings, context.clock)


def _redirect_uri(request: Request, target: str) -> str:
    return str(request.url_for("social_oauth_callback", target=target))


@router.get(
    "/{channel_id}/targets",
    summary="The channel's publish targets and accounts",
    responses=responses(401, 404),
)
def get_targets(channel_id: ChannelId, context: Context, owner: ReadOwner) -> TargetsOut:
    return _out(social(context).setup(owner, channel_id))


@router.put(
    "/{channel_id}/targets",
    summary="Replace the channel's publish targets",
    responses=responses(401, 403, 404, 422),
)
def put_targets(channel_id: ChannelId, body: TargetsIn, context: Context, owner: WriteOwner) -> TargetsOut:
    return _out(social(context).set_targets(owner, channel_id, body.targets))


@router.post(
    "/{channel_id}/connections/{target}",
    summary="Start connecting a TikTok or Instagram account (OAuth web flow)",
    responses=responses(401, 403, 404, 422),
)
def start_connection(
    channel_id: ChannelId,
    target: Social,
    request: Request,
    response: Response,
    context: Context,
    owner: WriteOwner,
) -> ConnectStart:
    url, nonce = social(context).start(owner, channel_id, target, _redirect_uri(request, target))
    response.set_cookie(
        COOKIE,
        nonce,
        max_age=int(STATE_TTL.total_seconds()),
        path=f"{CALLBACK_PREFIX}{target}/callback",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return ConnectStart(authorization_url=url)


@router.get(
    "/oauth/{target}/callback",
    name="social_oauth_callback",
    summary="The platform's redirect back: finishes the connection, then redirects to the console",
    response_class=RedirectResponse,
    status_code=303,
    responses=responses(422),
)
async def social_callback(
    target: Social,
    request: Request,
    context: Context,
    code: Param = None,
    state: Param = None,
    error: Param = None,
) -> RedirectResponse:
    nonce = request.cookies.get(COOKIE)
    try:
        channel = await run_in_threadpool(
            social(context).finish, target, state, code, error, nonce, _redirect_uri(request, target)
        )
    except ConnectRefused as exc:
        return RedirectResponse(f"{CONSOLE_PAGE}?error={exc.code}", status_code=303)
    response = RedirectResponse(f"{CONSOLE_PAGE}?connected={channel}&target={target}", status_code=303)
    response.delete_cookie(COOKIE, path=f"{CALLBACK_PREFIX}{target}/callback")
    return response

"""Connecting a YouTube channel from the console (docs/ARCHITECTURE.md §10).

``POST /api/channels/connect`` answers the Google consent URL and sets an HttpOnly cookie binding the
flow to this browser; Google redirects to ``GET /api/channels/oauth/callback?code=&state=``, which checks
the state (same user's flow, same browser, unused, not expired), exchanges the code with the PKCE verifier,
stores the refresh token encrypted and redirects to the console's channels page
(``/#/channels?connected=<id>`` or ``?error=<OAUTH_* code>``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from media_pipeline.api.deps import Context, WriteOwner
from media_pipeline.api.errors import responses
from media_pipeline.api.schemas import ApiModel
from media_pipeline.store import STATE_TTL
from media_pipeline.usecases_channels import ChannelConnections, ConnectRefused

router = APIRouter(prefix="/api/channels", tags=["channels"])
COOKIE = "mp_oauth_nonce"
CALLBACK_PATH = "/api/channels/oauth/callback"
CONSOLE_PAGE = "/#/channels"
Param = Annotated[str | None, Query(max_length=2048)]


class ConnectStart(ApiModel):
    """Open ``authorization_url`` in this browser (top-level navigation) to let Google ask for consent."""

    authorization_url: str


def connections(context: Context) -> ChannelConnections:
    """The channel connection commands of this API."""
    return ChannelConnections(context.engine, context.settings, context.clock)


def _redirect_uri(context: Context, request: Request) -> str:
    return context.settings.youtube_oauth_redirect_uri or str(request.url_for("oauth_callback"))


@router.post(
    "/connect",
    summary="Start connecting a YouTube channel (OAuth web-server flow with PKCE)",
    responses=responses(401, 403, 422),
)
def start_connect(request: Request, response: Response, context: Context, owner: WriteOwner) -> ConnectStart:
    url, nonce = connections(context).start(owner, _redirect_uri(context, request))
    response.set_cookie(
        COOKIE,
        nonce,
        max_age=int(STATE_TTL.total_seconds()),
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return ConnectStart(authorization_url=url)


@router.get(
    "/oauth/callback",
    name="oauth_callback",
    summary="Google's redirect back: finishes the connection, then redirects to the console",
    response_class=RedirectResponse,
    status_code=303,
)
async def oauth_callback(
    request: Request, context: Context, code: Param = None, state: Param = None, error: Param = None
) -> RedirectResponse:
    redirect_uri = _redirect_uri(context, request)
    nonce = request.cookies.get(COOKIE)
    try:
        channel = await run_in_threadpool(
            connections(context).finish, state, code, error, nonce, redirect_uri
        )
    except ConnectRefused as exc:
        return RedirectResponse(f"{CONSOLE_PAGE}?error={exc.code}", status_code=303)
    response = RedirectResponse(f"{CONSOLE_PAGE}?connected={channel.id}", status_code=303)
    response.delete_cookie(COOKIE, path=CALLBACK_PATH)
    return response

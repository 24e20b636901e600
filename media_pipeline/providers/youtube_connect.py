"""Connecting a YouTube channel from the browser (docs/ARCHITECTURE.md §10): Google's OAuth 2.0 web-server
flow with PKCE (google-auth-oauthlib's ``Flow``), the channel's identity (``channels.list?mine=true``) and
token revocation. The OAuth client comes from ``MEDIA_PIPELINE_YOUTUBE_CLIENT_SECRETS_FILE`` (a "Web
application" client whose authorized redirect URI is the API's ``/api/channels/oauth/callback``); the
endpoints can be overridden (``youtube_auth_uri``, ``youtube_token_uri``, ``youtube_revoke_uri``,
``youtube_api_base_url``)."""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from media_pipeline.errors import PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.youtube_auth import SCOPES
from media_pipeline.providers.youtube_client import build_youtube
from media_pipeline.settings import Settings

if TYPE_CHECKING:
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import Flow

REVOKE_TIMEOUT_S = 30.0
for _chatty in ("requests_oauthlib", "oauthlib"):  # their DEBUG records print whole tokens: never logged
    logging.getLogger(_chatty).setLevel(logging.INFO)


@dataclass(frozen=True)
class Authorization:
    """Where to send the browser, and what the callback needs: ``state`` and the PKCE ``code_verifier``."""

    url: str
    state: str
    code_verifier: str


@dataclass(frozen=True)
class ChannelIdentity:
    """The authorized channel: its YouTube id and title."""

    channel_id: str
    title: str


class OAuthExchangeError(PermanentError):
    """The token endpoint refused the code (used already, expired, wrong verifier or redirect URI)."""


def client_config(settings: Settings) -> dict[str, Any]:
    """The OAuth client (``web`` or ``installed``) of the client secrets file, with endpoint overrides."""
    path = settings.youtube_client_secrets_file
    if path is None or not path.is_file():
        raise ProviderNotConfiguredError(
            f"set MEDIA_PIPELINE_YOUTUBE_CLIENT_SECRETS_FILE to the OAuth client's JSON ({path or 'unset'})"
        )
    config = json.loads(path.read_text(encoding="utf-8"))
    kind = "web" if "web" in config else "installed"
    client = dict(config.get(kind) or {})
    overrides = {"auth_uri": settings.youtube_auth_uri, "token_uri": settings.youtube_token_uri}
    client.update({key: value for key, value in overrides.items() if value})
    return {kind: client}


def _flow(settings: Settings, redirect_uri: str, **kwargs: Any) -> Flow:
    from google_auth_oauthlib.flow import Flow

    return Flow.from_client_config(
        client_config(settings), scopes=list(SCOPES), redirect_uri=redirect_uri, **kwargs
    )


def start_authorization(settings: Settings, redirect_uri: str) -> Authorization:
    """The consent URL with a fresh ``state`` and an S256 PKCE challenge (offline access: a refresh token)."""
    flow = _flow(settings, redirect_uri, autogenerate_code_verifier=True)
    url, state = flow.authorization_url(
        state=secrets.token_urlsafe(32), access_type="offline", prompt="consent"
    )
    return Authorization(url=url, state=state, code_verifier=str(flow.code_verifier))


def exchange_code(
    settings: Settings, redirect_uri: str, state: str, code_verifier: str, code: str
) -> Credentials:
    """Credentials for the authorization ``code`` (sent with the PKCE verifier); OAuthExchangeError if the
    token endpoint refuses it, or it issues no refresh token."""
    from oauthlib.oauth2 import OAuth2Error
    from requests import RequestException

    flow = _flow(settings, redirect_uri, state=state, code_verifier=code_verifier)
    try:
        flow.fetch_token(code=code)
    except (OAuth2Error, RequestException, ValueError) as exc:
        raise OAuthExchangeError(f"the token endpoint refused the code: {type(exc).__name__}") from exc
    credentials = flow.credentials
    if not credentials.refresh_token:
        raise OAuthExchangeError("the token endpoint issued no refresh token")
    return credentials


def channel_identity(settings: Settings, credentials: Credentials) -> ChannelIdentity:
    """The channel the credentials belong to (``channels.list?part=snippet&mine=true``)."""
    client = build_youtube(credentials, api_base_url=settings.youtube_api_base_url)
    response = client.service.channels().list(part="snippet", mine=True).execute()
    items = response.get("items") or []
    if not items:
        raise PermanentError("the Google account has no YouTube channel")
    return ChannelIdentity(channel_id=str(items[0]["id"]), title=str(items[0]["snippet"]["title"])[:100])


def revoke(settings: Settings, token: str) -> None:
    """Revoke a refresh (or access) token at Google; PermanentError if the endpoint refuses it for another
    reason than it being invalid already."""
    import requests

    response = requests.post(
        settings.youtube_revoke_uri,
        data={"token": token},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=REVOKE_TIMEOUT_S,
    )
    if response.status_code != 200 and "invalid_token" not in response.text:
        raise PermanentError(f"revoking the token failed (HTTP {response.status_code})")

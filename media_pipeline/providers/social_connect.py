"""The OAuth web flows that connect a channel setting's TikTok or Instagram account
(docs/ARCHITECTURE.md §10, publications): the consent URL and the code exchange, which yields the
account's token and identity. TikTok: ``/v2/auth/authorize/`` with ``state`` and PKCE (TikTok hashes
the verifier to hex SHA-256), ``/v2/oauth/token/``, ``/v2/user/info/``. Instagram (Instagram API with
Instagram Login): ``/oauth/authorize`` with ``state``, the short-lived token at ``/oauth/access_token``,
exchanged for a long-lived one (``ig_exchange_token``), then ``/me``."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlencode

from media_pipeline.domain.publication import PublishTarget
from media_pipeline.errors import ProviderNotConfiguredError
from media_pipeline.providers import instagram, tiktok
from media_pipeline.providers.social_http import SocialHttp
from media_pipeline.providers.social_tokens import SocialToken
from media_pipeline.settings import Settings

SCOPES = {
    PublishTarget.TIKTOK: "user.info.basic,video.publish,video.list",
    PublishTarget.INSTAGRAM: (
        "instagram_business_basic,instagram_business_content_publish,instagram_business_manage_insights"
    ),
}
"""Publishing, and reading the posts' metrics (docs/ARCHITECTURE.md §13)."""


def _client(settings: Settings, target: PublishTarget) -> tuple[str, str]:
    if target is PublishTarget.TIKTOK:
        key, secret, names = (
            settings.tiktok_client_key,
            settings.tiktok_client_secret,
            "TIKTOK_CLIENT_KEY/_SECRET",
        )
    else:
        key, secret, names = (
            settings.instagram_app_id,
            settings.instagram_app_secret,
            "INSTAGRAM_APP_ID/_SECRET",
        )
    if not key or secret is None:
        raise ProviderNotConfiguredError(f"set MEDIA_PIPELINE_{names} to connect {target.value} accounts")
    return key, secret.get_secret_value()


def authorization_url(
    settings: Settings, target: PublishTarget, redirect_uri: str, state: str, verifier: str
) -> str:
    """The platform's consent page for this flow."""
    key, _ = _client(settings, target)
    if target is PublishTarget.TIKTOK:
        query = {
            "client_key": key,
            "scope": SCOPES[target],
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
            "code_challenge": hashlib.sha256(verifier.encode()).hexdigest(),
            "code_challenge_method": "S256",
        }
        return f"{settings.tiktok_auth_uri}?{urlencode(query)}"
    query = {
        "client_id": key,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": SCOPES[target],
        "state": state,
    }
    return f"{settings.instagram_auth_uri}?{urlencode(query)}"


def exchange_code(
    settings: Settings, target: PublishTarget, code: str, redirect_uri: str, verifier: str, now: datetime
) -> SocialToken:
    """The account's token and identity for an authorization code (ReconnectRequired if refused)."""
    key, secret = _client(settings, target)
    if target is PublishTarget.TIKTOK:
        http = SocialHttp("TikTok", tiktok.classify)
        oauth = tiktok.TikTokOAuth(http, settings.tiktok_api_base_url, key, secret)
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        answer = oauth.exchange({**grant, "code_verifier": verifier})
        info = http.request(
            "GET",
            f"{settings.tiktok_api_base_url.rstrip('/')}/v2/user/info/",
            token=answer["access_token"],
            params={"fields": "open_id,display_name"},
            what="user info",
        ).json()
        name = str(((info.get("data") or {}).get("user") or {}).get("display_name") or "")
        return tiktok.token_from_answer(answer, now, name)
    http = SocialHttp("Instagram", instagram.classify)
    form = {
        "client_id": key,
        "client_secret": secret,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": code,
    }
    short = http.request("POST", settings.instagram_token_uri, data=form, what="token").json()
    short = (short.get("data") or [short])[0]
    graph = settings.instagram_graph_url.rstrip("/")
    params = {"grant_type": "ig_exchange_token", "client_secret": secret}
    long = http.request(
        "GET", f"{graph}/access_token", token=short["access_token"], params=params, what="long-lived token"
    ).json()
    me = http.request(
        "GET", f"{graph}/me", token=long["access_token"], params={"fields": "user_id,username"}, what="me"
    ).json()
    return SocialToken(
        access_token=long["access_token"],
        expires_at=now + timedelta(seconds=int(long.get("expires_in", 0))),
        account_id=str(me.get("user_id") or short["user_id"]),
        account_name=str(me.get("username", "")),
        scope=SCOPES[target],
    )

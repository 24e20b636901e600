"""Verifying the JWT bearer tokens that ``usecases_tokens.py`` mints (HS256, PyJWT): ``sub`` is the user id,
``workspace_id`` the workspace; the pair is the ``Owner`` every service call is scoped by. ``scope`` lists
``read`` and/or ``write`` (writes need ``write``). ``jti`` identifies a token for sign-out (the revocation
list, ``store/revoked_tokens.py``). Outside development mode the API refuses to start without a secret of
``MIN_SECRET_LENGTH`` characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from media_pipeline.api.errors import ApiError
from media_pipeline.settings import DEV_JWT_SECRET, Settings
from media_pipeline.store import Owner, Refusal
from media_pipeline.usecases_tokens import ALGORITHM, DEFAULT_SCOPES, WORKSPACE_CLAIM

LEEWAY_S = 30
MIN_SECRET_LENGTH = 32


class InsecureSecret(RuntimeError):
    """Outside development mode, the JWT secret is missing (the built-in one) or too short."""


def check_secret(settings: Settings) -> None:
    """InsecureSecret unless the settings' JWT secret may sign tokens in their mode."""
    if settings.mode == "development":
        return
    secret = settings.jwt_secret.get_secret_value()
    if secret == DEV_JWT_SECRET or len(secret) < MIN_SECRET_LENGTH:
        raise InsecureSecret(
            f"MEDIA_PIPELINE_MODE={settings.mode} needs MEDIA_PIPELINE_JWT_SECRET (or _FILE) of at least "
            f"{MIN_SECRET_LENGTH} characters; the built-in development secret is refused"
        )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the owner and what the token allows."""

    owner: Owner
    scopes: frozenset[str]
    token_id: str | None = None
    expires_at: datetime | None = None


REFUSALS: dict[Refusal, str] = {
    "signed out": "the token was signed out",
    "disabled": "this user is disabled",
}
"""The 401 message of each reason the app DB refuses a valid token."""


def unauthorized(message: str) -> ApiError:
    """The 401 error of a missing or bad token."""
    return ApiError(401, message)


def authenticate(token: str | None, settings: Settings) -> Principal:
    """The principal of a bearer token; ApiError 401 if it is missing, expired, forged or malformed (whether
    it was signed out or its user disabled is the app DB's answer: ``ApiContext.authenticate``)."""
    if not token:
        raise unauthorized("a bearer token is required")
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[ALGORITHM],
            issuer=settings.jwt_issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iss", "sub", WORKSPACE_CLAIM]},
        )
        owner = Owner(str(claims["sub"]), str(claims[WORKSPACE_CLAIM]))
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("the token has expired") from exc
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise unauthorized("the token is invalid") from exc
    token_id = claims.get("jti") if isinstance(claims.get("jti"), str) else None
    scope = claims.get("scope", " ".join(DEFAULT_SCOPES))
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    return Principal(owner=owner, scopes=scopes, token_id=token_id, expires_at=expires_at)


def require_scope(principal: Principal, scope: str) -> Owner:
    """The principal's owner if the token grants ``scope``; ApiError 403 otherwise."""
    if scope not in principal.scopes:
        raise ApiError(403, f"the token does not grant '{scope}'", {"requiredScope": scope})
    return principal.owner

"""JWT bearer tokens (HS256, PyJWT): ``sub`` is the user id, ``workspace_id`` the workspace; the pair is the
``Owner`` every service call is scoped by. ``scope`` lists ``read`` and/or ``write`` (writes need ``write``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from media_pipeline.api.errors import ApiError
from media_pipeline.settings import Settings
from media_pipeline.store import Owner

ALGORITHM = "HS256"
WORKSPACE_CLAIM = "workspace_id"
DEFAULT_SCOPES = ("read", "write")
DEFAULT_TTL_S = 24 * 3600
LEEWAY_S = 30


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the owner and what the token allows."""

    owner: Owner
    scopes: frozenset[str]


def mint_token(
    user_id: str,
    workspace_id: str,
    settings: Settings,
    ttl_s: int = DEFAULT_TTL_S,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> str:
    """A signed token for ``user_id`` in ``workspace_id`` valid for ``ttl_s`` seconds (dev/CLI use)."""
    Owner(user_id, workspace_id)  # same limits as the services
    now = datetime.now(UTC)
    claims = {
        "sub": user_id,
        WORKSPACE_CLAIM: workspace_id,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
        "scope": " ".join(scopes),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def unauthorized(message: str) -> ApiError:
    """The 401 error of a missing or bad token."""
    return ApiError(401, message)


def authenticate(token: str | None, settings: Settings) -> Principal:
    """The principal of a bearer token; ApiError 401 if it is missing, expired, forged or malformed."""
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
    scope = claims.get("scope", " ".join(DEFAULT_SCOPES))
    scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
    return Principal(owner=owner, scopes=scopes)


def require_scope(principal: Principal, scope: str) -> Owner:
    """The principal's owner if the token grants ``scope``; ApiError 403 otherwise."""
    if scope not in principal.scopes:
        raise ApiError(403, f"the token does not grant '{scope}'", {"requiredScope": scope})
    return principal.owner

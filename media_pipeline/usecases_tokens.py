"""Minting the API's bearer tokens (HS256 JWT), for the API's sign-in and the CLI's ``token`` command alike;
the API verifies them (``api/auth.py``). ``sub`` is the user id, ``workspace_id`` the workspace, ``scope``
lists ``read``, ``write`` and maybe ``admin``, ``jti`` identifies a token for sign-out."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import jwt

from media_pipeline.settings import Settings
from media_pipeline.store import Owner

ALGORITHM = "HS256"
WORKSPACE_CLAIM = "workspace_id"
DEFAULT_SCOPES = ("read", "write")
DEFAULT_TTL_S = 24 * 3600


def mint_token(
    user_id: str,
    workspace_id: str,
    settings: Settings,
    ttl_s: int = DEFAULT_TTL_S,
    scopes: Iterable[str] = DEFAULT_SCOPES,
) -> str:
    """A signed token for ``user_id`` in ``workspace_id`` valid for ``ttl_s`` seconds."""
    Owner(user_id, workspace_id)  # same limits as the services
    now = datetime.now(UTC)
    claims = {
        "sub": user_id,
        WORKSPACE_CLAIM: workspace_id,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
        "jti": uuid.uuid4().hex,
        "scope": " ".join(scopes),
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)

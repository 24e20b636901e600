"""Signed download URLs of a task's final video on the local-folder backend, for platforms that fetch the
video themselves (Instagram Reels; docs/ARCHITECTURE.md §10, publications): the API serves
``/api/v1/published-videos/{task_id}?exp=&sig=`` when the HMAC (SHA-256, keyed with the JWT secret that
the API and the workers share) of the task id and expiry matches and has not expired. Only a task's
``output.mp4`` can be named, never a path."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import urlencode

ROUTE = "/api/v1/published-videos/"
TASK_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _signature(secret: str, task_id: str, expires: int) -> str:
    message = f"published-video\n{task_id}\n{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signed_video_url(base_url: str, secret: str, task_id: str, expires: int) -> str:
    """The URL that serves the task's ``output.mp4`` until ``expires`` (epoch seconds)."""
    query = urlencode({"exp": expires, "sig": _signature(secret, task_id, expires)})
    return f"{base_url.rstrip('/')}{ROUTE}{task_id}?{query}"


def valid_video_link(secret: str, task_id: str, expires: int, signature: str, now: float) -> bool:
    """True if this API signed the link for ``task_id`` and it has not expired."""
    if not TASK_ID.match(task_id) or expires < now:
        return False
    return hmac.compare_digest(_signature(secret, task_id, expires), signature)

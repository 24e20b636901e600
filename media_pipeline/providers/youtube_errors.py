"""How YouTube API failures map to retry behaviour.

- 500/502/503/504 and transport errors (connection reset, socket timeout, httplib2 errors): retry here.
- ``quotaExceeded`` / ``dailyLimitExceeded`` / ``uploadLimitExceeded``: DeferredError until the daily
  quota resets (midnight America/Los_Angeles, plus a small margin).
- 429 and ``rateLimitExceeded`` / ``userRateLimitExceeded``: DeferredError after ``Retry-After`` or
  a short backoff.
- 401: credentials rejected → ProviderNotConfiguredError (authorize again); anything else: PermanentError.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from media_pipeline.errors import DeferredError, PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.youtube_auth import REAUTHORIZE_HINT

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
QUOTA_TZ = ZoneInfo("America/Los_Angeles")
QUOTA_RESET_MARGIN = timedelta(minutes=5)
RATE_LIMIT_DEFER_S = 15 * 60.0


def error_reasons(content: bytes) -> tuple[set[str], str]:
    """The ``reason`` codes and the message of a Google API JSON error body."""
    try:
        error = json.loads(content.decode("utf-8")).get("error", {})
    except (ValueError, UnicodeDecodeError, AttributeError):
        return set(), content[:200].decode("utf-8", "replace")
    if not isinstance(error, dict):
        return set(), str(error)[:200]
    items = [*error.get("errors", []), *error.get("details", [])]
    reasons = {
        item["reason"] for item in items if isinstance(item, dict) and isinstance(item.get("reason"), str)
    }
    return reasons, str(error.get("message", ""))


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds from ``now`` (aware) to the next midnight in America/Los_Angeles, plus a margin."""
    local = now.astimezone(QUOTA_TZ)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=QUOTA_TZ)
    # In UTC: subtracting two datetimes with the same tzinfo ignores a DST change between them.
    return (midnight.astimezone(UTC) - now.astimezone(UTC) + QUOTA_RESET_MARGIN).total_seconds()


def is_transport_error(exc: BaseException) -> bool:
    """True for network failures worth retrying (the upload session survives them)."""
    import google.auth.exceptions
    import httplib2

    return isinstance(
        exc,
        ConnectionError
        | TimeoutError
        | socket.timeout
        | ssl.SSLError
        | http.client.HTTPException
        | httplib2.HttpLib2Error
        | google.auth.exceptions.TransportError,
    )


def _retry_after(exc: BaseException) -> float | None:
    resp = getattr(exc, "resp", None)
    try:
        return float(resp["retry-after"]) if resp is not None and "retry-after" in resp else None
    except (TypeError, ValueError):
        return None


def raise_unless_retryable(exc: BaseException, *, what: str, now: datetime) -> None:
    """Return if ``exc`` is worth retrying now; otherwise raise the matching media_pipeline error."""
    import google.auth.exceptions
    from googleapiclient.errors import HttpError

    if is_transport_error(exc):
        return
    if isinstance(exc, google.auth.exceptions.RefreshError):
        if getattr(exc, "retryable", False):
            return
        raise ProviderNotConfiguredError(
            f"{what}: refreshing the access token failed ({exc}); {REAUTHORIZE_HINT}"
        ) from exc
    if not isinstance(exc, HttpError):
        raise exc
    status = exc.resp.status
    if status in RETRY_STATUSES:
        return
    reasons, message = error_reasons(exc.content)
    detail = f"{what}: HTTP {status} {'/'.join(sorted(reasons)) or ''} {message}".rstrip()
    if reasons & QUOTA_REASONS:
        wait = seconds_until_quota_reset(now)
        raise DeferredError(
            f"YouTube quota or upload limit reached; retrying after the daily reset in {wait / 3600:.1f} h "
            f"(nothing was lost). {detail}",
            retry_after_s=wait,
        ) from exc
    if status == 429 or reasons & RATE_REASONS:
        wait = _retry_after(exc) or RATE_LIMIT_DEFER_S
        raise DeferredError(
            f"YouTube rate limit hit; retrying in {wait:.0f} s (nothing was lost). {detail}",
            retry_after_s=wait,
        ) from exc
    if status == 401:
        raise ProviderNotConfiguredError(
            f"YouTube rejected the credentials; {REAUTHORIZE_HINT}. {detail}"
        ) from exc
    raise PermanentError(detail) from exc

"""Building the YouTube Data API v3 client (static discovery, authorized httplib2 transport).

With ``youtube_api_base_url`` set (tests: a loopback fake), API calls go there via ``client_options``;
the client library still builds media-upload URLs as ``https://<host>/upload/...``, so the transport
rewrites the scheme and host of every Google API URL to the configured base.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import httplib2
    from google.oauth2.credentials import Credentials

GOOGLE_API_SUFFIX = ".googleapis.com"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_DEADLINE_S = 300.0

_expired: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar("expired", default=None)
"""Set when the deadline of the request in progress in this thread has passed."""


def rebase_url(uri: str, base_url: str) -> str:
    """``uri`` with scheme and host of ``base_url`` if it targets Google APIs or the base host itself."""
    target, base = urlsplit(uri), urlsplit(base_url)
    host = target.hostname or ""
    if target.netloc != base.netloc and not host.endswith(GOOGLE_API_SUFFIX):
        return uri
    return urlunsplit((base.scheme, base.netloc, target.path, target.query, target.fragment))


def make_http(
    base_url: str | None, timeout_s: float = DEFAULT_TIMEOUT_S, deadline_s: float = DEFAULT_DEADLINE_S
) -> httplib2.Http:
    """The httplib2 transport for the API client.

    - each request (an upload chunk included) is answered within ``deadline_s`` in total, or fails with
      ``TimeoutError`` (transient: the publisher resumes the session); ``timeout_s`` bounds each socket
      operation. At the deadline the request's sockets are shut down, which ends a read or write that a
      stalled server holds, and httplib2's silent re-send finds connecting refused (docs/ARCHITECTURE.md §4,
      provider deadlines);
    - 308 is not followed (it means "resume incomplete" in resumable uploads);
    - a chunk given as a stream is read into bytes first: httplib2 silently re-sends a request once when
      a kept-alive connection turns out closed, and a half-consumed stream would then go out empty;
    - with ``base_url``, Google API URLs are rebased onto it.
    """
    import httplib2

    class UploadHttp(httplib2.Http):
        def request(self, uri: str, method: str = "GET", body: Any = None, *args: Any, **kwargs: Any) -> Any:
            if hasattr(body, "read"):
                body = body.read()
            if base_url:
                uri = rebase_url(uri, base_url)
            kwargs["connection_type"] = _deadline_connections()[uri.partition(":")[0].lower()]
            expired = threading.Event()
            timer = threading.Timer(deadline_s, self._cut, args=(expired,))
            token = _expired.set(expired)
            timer.start()
            try:
                return super().request(uri, method, body, *args, **kwargs)
            except Exception as exc:
                if expired.is_set():
                    raise TimeoutError(
                        f"{method} {uri}: no answer within the {deadline_s:g} s deadline"
                    ) from exc
                raise
            finally:
                timer.cancel()
                _expired.reset(token)

        def _cut(self, expired: threading.Event) -> None:
            """Shut down the open sockets: a blocked send or receive returns at once."""
            expired.set()
            for connection in list(self.connections.values()):
                sock = connection.sock
                if sock is not None:
                    with contextlib.suppress(OSError):  # already closed
                        sock.shutdown(socket.SHUT_RDWR)

    http = UploadHttp(timeout=timeout_s)
    http.redirect_codes = http.redirect_codes - {308}
    return http


def _deadline_connection(base: type[Any]) -> type[Any]:
    """``base`` (an httplib2 connection class) refusing to connect once the request's deadline passed."""

    class DeadlineConnection(base):
        def connect(self) -> None:
            expired = _expired.get()
            if expired is not None and expired.is_set():
                raise TimeoutError("the request's deadline passed")
            super().connect()

    return DeadlineConnection


@functools.cache
def _deadline_connections() -> dict[str, type[Any]]:
    """The deadline-aware connection class of each scheme."""
    import httplib2

    return {scheme: _deadline_connection(base) for scheme, base in httplib2.SCHEME_TO_CONNECTION.items()}


@dataclass(frozen=True)
class YouTubeClient:
    """The API resource plus the authorized transport (used for raw resumable-session queries)."""

    service: Any
    http: Any


def build_youtube(
    credentials: Credentials,
    *,
    api_base_url: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    deadline_s: float = DEFAULT_DEADLINE_S,
) -> YouTubeClient:
    """A ``youtube`` v3 client from the bundled discovery document (no network access to build it)."""
    import google_auth_httplib2
    from googleapiclient.discovery import build

    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=make_http(api_base_url, timeout_s, deadline_s)
    )
    client_options = {"api_endpoint": api_base_url.rstrip("/") + "/"} if api_base_url else None
    service = build(
        "youtube",
        "v3",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=client_options,
    )
    return YouTubeClient(service=service, http=http)

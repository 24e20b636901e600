"""A loopback fake of Google OAuth 2.0 and the YouTube Data API v3 parts the app uses, speaking the real
protocols:

OAuth: authorization endpoint (``GET /auth``: consents at once and redirects to ``redirect_uri`` with
``code`` and ``state``, or ``error=access_denied`` after :meth:`FakeYouTube.deny_next`); token endpoint
(``POST /token``: ``authorization_code`` checks the client id/secret (HTTP Basic or form), the
``redirect_uri`` and the PKCE ``code_verifier`` against the S256 ``code_challenge``; codes are single use;
``refresh_token`` grant); revocation (``POST /revoke``). YouTube: resumable upload
(``POST /upload/youtube/v3/videos?uploadType=resumable`` → ``Location``; ``PUT`` chunks with
``Content-Range``; ``308`` + ``Range``; ``bytes */size`` status queries; final ``200`` with the video
resource), ``channels.list(mine)`` (with the channel's title), ``playlistItems.list`` and
``thumbnails.set``. Faults can be injected per method/path prefix.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from media_pipeline_tests.providers.fakeserver import Recorded, Reply

UPLOADS_PLAYLIST = "UUfakeuploads"
VIDEO_UPLOAD_PATH = "/upload/youtube/v3/videos"
THUMBNAIL_PATH = "/upload/youtube/v3/thumbnails/set"
_RANGE_RE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
# Policy flags every upload must state explicitly (this fake is stricter than YouTube, which defaults them).
REQUIRED_STATUS_FLAGS = ("selfDeclaredMadeForKids", "containsSyntheticMedia")


def google_error(status: int, reason: str, message: str = "") -> Reply:
    """A Google API JSON error body, as YouTube sends it."""
    message = message or reason
    error = {
        "code": status,
        "message": message,
        "errors": [{"reason": reason, "domain": "youtube", "message": message}],
    }
    return Reply.json({"error": error}, status=status)


@dataclass
class Session:
    metadata: dict[str, Any]
    total: int
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None
    token: str = ""


@dataclass
class Fault:
    method: str
    path_prefix: str
    reply: Reply
    skip: int = 0


@dataclass
class IssuedCode:
    """An authorization code and what the token request must match."""

    client_id: str
    redirect_uri: str
    code_challenge: str


def s256(verifier: str) -> str:
    """The PKCE S256 code challenge of ``verifier``."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


class FakeYouTube:
    """Stateful app for :class:`FakeServer`; set ``base_url`` after the server starts."""

    def __init__(
        self,
        access_token: str = "valid-token",
        refresh_token: str = "refresh-1",
        *,
        client_id: str = "client.apps.googleusercontent.com",
        client_secret: str = "secret",
        channel_title: str = "Fake Channel",
        channel_id: str = "UCfake",
    ) -> None:
        self.base_url = ""
        self.valid_tokens = {access_token}
        self.refresh_token = refresh_token
        self.client_id = client_id
        self.client_secret = client_secret
        self.channel_title = channel_title
        self.channel_id = channel_id
        """The channel ``channels.list(mine)`` answers (change both to play another Google account)."""
        self.codes: dict[str, IssuedCode] = {}
        self.revoked: list[str] = []
        self.token_refresh_token: dict[str, str] = {}
        """Which refresh token each issued access token came from."""
        self._deny = False
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.thumbnails: dict[str, tuple[str, bytes]] = {}
        self.uploaded_with: dict[str, str] = {}
        """The access token each uploaded video was sent with."""
        self.accepted_ranges: list[tuple[int, int]] = []
        self.status_queries = 0
        self.token_requests = 0
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- test helpers -------------------------------------------------------------------------------------

    def fail(self, method: str, path_prefix: str, reply: Reply, *, skip: int = 0) -> None:
        """Answer the next matching request (after ``skip`` matching ones) with ``reply`` instead."""
        self.faults.append(Fault(method, path_prefix, reply, skip))

    def deny_next(self) -> None:
        """The next authorization request is answered ``error=access_denied`` (the user said no)."""
        self._deny = True

    def add_video(self, description: str, title: str = "existing") -> str:
        """A video already on the channel (uploaded by someone/something earlier)."""
        video_id = f"vid{next(self._ids)}"
        self.videos[video_id] = {"id": video_id, "snippet": {"title": title, "description": description}}
        return video_id

    # -- dispatch -----------------------------------------------------------------------------------------

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            fault = self._take_fault(request)
            if fault is not None:
                return fault
            if request.path == "/auth":
                return self._authorize(request)
            if request.path == "/token":
                return self._token(request)
            if request.path == "/revoke":
                return self._revoke(request)
            if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
                return google_error(401, "authError", "Invalid Credentials")
            if request.path == VIDEO_UPLOAD_PATH and request.method == "POST":
                return self._start_session(request)
            if request.path == VIDEO_UPLOAD_PATH and request.method == "PUT":
                return self._put(request)
            if request.path == "/youtube/v3/channels":
                return self._channels(request)
            if request.path == "/youtube/v3/playlistItems":
                return self._playlist_items(request)
            if request.path == THUMBNAIL_PATH:
                return self._thumbnail(request)
            return google_error(404, "notFound")

    def _take_fault(self, request: Recorded) -> Reply | None:
        for fault in self.faults:
            if fault.method == request.method and request.path.startswith(fault.path_prefix):
                if fault.skip:
                    fault.skip -= 1
                    return None
                self.faults.remove(fault)
                return fault.reply
        return None

    # -- endpoints ----------------------------------------------------------------------------------------

    def _authorize(self, request: Recorded) -> Reply:
        query = request.query
        redirect_uri, state = query.get("redirect_uri", ""), query.get("state", "")
        problems = [
            query.get("client_id") != self.client_id and "unknown client_id",
            query.get("response_type") != "code" and "response_type must be code",
            query.get("code_challenge_method") != "S256" and "PKCE S256 required",
            not query.get("code_challenge") and "code_challenge missing",
            not redirect_uri.startswith("http") and "redirect_uri missing",
        ]
        if any(problems):
            return Reply(400, "; ".join(p for p in problems if p).encode())
        if self._deny:
            self._deny = False
            return Reply(
                302,
                b"",
                {"Location": f"{redirect_uri}?{urlencode({'error': 'access_denied', 'state': state})}"},
            )
        code = f"code-{next(self._ids)}"
        self.codes[code] = IssuedCode(self.client_id, redirect_uri, query["code_challenge"])
        return Reply(302, b"", {"Location": f"{redirect_uri}?{urlencode({'code': code, 'state': state})}"})

    def _client(self, request: Recorded, form: dict[str, str]) -> tuple[str | None, str | None]:
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
            return client_id, secret
        return form.get("client_id"), form.get("client_secret")

    def _token(self, request: Recorded) -> Reply:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = self.codes.pop(form.get("code", ""), None)  # single use
            if issued is None or not self._code_matches(issued, request, form):
                return Reply.json({"error": "invalid_grant"}, status=400)
            refresh_token = self.refresh_token
            payload: dict[str, Any] = {"refresh_token": refresh_token}
        elif grant == "refresh_token" and form.get("refresh_token") == self.refresh_token:
            if self.refresh_token in self.revoked:
                return Reply.json({"error": "invalid_grant"}, status=400)
            refresh_token, payload = self.refresh_token, {}
        else:
            return Reply.json(
                {"error": "unsupported_grant_type" if not grant else "invalid_grant"}, status=400
            )
        self.token_requests += 1
        token = f"fresh-token-{self.token_requests}"
        self.valid_tokens.add(token)
        self.token_refresh_token[token] = refresh_token
        return Reply.json({"access_token": token, "expires_in": 3600, "token_type": "Bearer", **payload})

    def _code_matches(self, issued: IssuedCode, request: Recorded, form: dict[str, str]) -> bool:
        client_id, secret = self._client(request, form)
        return (
            client_id == issued.client_id
            and secret == self.client_secret
            and form.get("redirect_uri") == issued.redirect_uri
            and s256(form.get("code_verifier", "")) == issued.code_challenge
        )

    def _revoke(self, request: Recorded) -> Reply:
        token = parse_qs(request.body.decode()).get("token", [""])[-1]
        if token != self.refresh_token and token not in self.valid_tokens:
            return Reply.json({"error": "invalid_token"}, status=400)
        self.revoked.append(token)
        self.valid_tokens -= {t for t, r in self.token_refresh_token.items() if r == token}
        return Reply.json({})

    def _start_session(self, request: Recorded) -> Reply:
        if request.query.get("uploadType") != "resumable":
            return google_error(400, "badRequest", "expected uploadType=resumable")
        metadata = request.json()
        status = metadata.get("status", {})
        missing = [flag for flag in REQUIRED_STATUS_FLAGS if not isinstance(status.get(flag), bool)]
        if missing:
            return google_error(400, "invalidVideoMetadata", f"status must state {', '.join(missing)}")
        upload_id = f"session{next(self._ids)}"
        total = int(request.headers["x-upload-content-length"])
        self.sessions[upload_id] = Session(metadata=metadata, total=total)
        self.sessions[upload_id].token = request.headers["authorization"].removeprefix("Bearer ")
        location = f"{self.base_url}{VIDEO_UPLOAD_PATH}?uploadType=resumable&upload_id={upload_id}"
        return Reply(200, b"", {"Location": location})

    def _put(self, request: Recorded) -> Reply:
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None:
            return google_error(404, "notFound", "no such upload session")
        content_range = request.headers.get("content-range", "")
        if content_range.startswith("bytes */"):
            self.status_queries += 1
            return self._session_status(session)
        match = _RANGE_RE.fullmatch(content_range)
        if not match:
            return google_error(400, "badContentRange", content_range)
        start, end = int(match.group(1)), int(match.group(2))
        if start != len(session.data) or end - start + 1 != len(request.body):
            return self._session_status(session)
        session.data += request.body
        self.accepted_ranges.append((start, end))
        if len(session.data) == session.total:
            session.video_id = f"vid{next(self._ids)}"
            self.videos[session.video_id] = {
                "kind": "youtube#video",
                "id": session.video_id,
                "snippet": session.metadata.get("snippet", {}),
                "status": {**session.metadata.get("status", {}), "uploadStatus": "uploaded"},
            }
            self.uploaded_with[session.video_id] = session.token
        return self._session_status(session)

    def _session_status(self, session: Session) -> Reply:
        if session.video_id is not None:
            return Reply.json(self.videos[session.video_id])
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        return Reply(308, b"", headers)

    def _channels(self, request: Recorded) -> Reply:
        assert request.query.get("mine") == "true"
        item = {
            "id": self.channel_id,
            "snippet": {"title": self.channel_title},
            "contentDetails": {"relatedPlaylists": {"uploads": UPLOADS_PLAYLIST}},
        }
        return Reply.json({"items": [item]})

    def _playlist_items(self, request: Recorded) -> Reply:
        assert request.query.get("playlistId") == UPLOADS_PLAYLIST
        items = [
            {"snippet": {**video["snippet"], "resourceId": {"kind": "youtube#video", "videoId": video_id}}}
            for video_id, video in reversed(self.videos.items())
        ]
        return Reply.json({"items": items[: int(request.query.get("maxResults", "5"))]})

    def _thumbnail(self, request: Recorded) -> Reply:
        video_id = request.query.get("videoId", "")
        if video_id not in self.videos:
            return google_error(404, "videoNotFound")
        self.thumbnails[video_id] = (request.headers.get("content-type", ""), request.body)
        return Reply.json({"items": [{"default": {"url": f"{self.base_url}/vi/{video_id}/default.jpg"}}]})

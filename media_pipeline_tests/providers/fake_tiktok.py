"""A loopback fake of the TikTok Content Posting API (direct post) and its OAuth token endpoint, checking
what TikTok checks:

``POST /v2/oauth/token/`` (form: ``client_key``/``client_secret``; ``authorization_code`` with the
``redirect_uri`` and the PKCE ``code_verifier``, single-use codes; ``refresh_token``);
``POST /v2/post/publish/creator_info/query/``, ``/video/init/`` and ``/status/fetch/`` (bearer token of
a live session with ``video.publish``, ``Content-Type: application/json; charset=UTF-8``, the body's
fields: a title, a privacy level among the creator's options, booleans for the interactions, the FILE_UPLOAD
chunk rules: under 5 MB one whole chunk, else 5-64 MB chunks, ``total_chunk_count = floor(size /
chunk_size)``, at most 1000); ``PUT /upload/{id}`` (``Content-Type: video/mp4``, ``Content-Range`` chunks
in order, each the announced size but the last, the total equal to ``video_size``; 206 until the last,
then 201). A complete upload becomes one post (``posts``) unless the video is refused (not an MP4, or
``reject_with``): ``FAILED`` with ``fail_reason``. ``daily_posts`` caps the creator's posts
(``spam_risk_too_many_posts``) until :meth:`reset_quota`; a revoked token answers ``access_token_invalid``;
the next ``rate_limited_inits`` init calls answer 429 ``rate_limit_exceeded`` with ``Retry-After:
rate_limit_retry_after``.

Display API: ``POST /v2/video/query/?fields=...`` (scope ``video.list``, known fields, ``id`` among them, a
JSON body ``{"filters": {"video_ids": [...]}}`` of 1-20 ids) answers the posts' lifetime counters
(:meth:`set_counters`); ``query_rate_limited`` answers 429 ``rate_limit_exceeded``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from media_pipeline_tests.providers.fakeserver import Recorded, Reply

MB = 1024 * 1024
_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
PRIVACY_OPTIONS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"]
SCOPES = "user.info.basic,video.publish,video.list"
VIDEO_FIELDS = frozenset(
    {"id", "create_time", "cover_image_url", "share_url", "video_description", "duration", "height", "width"}
    | {"title", "embed_html", "embed_link", "like_count", "comment_count", "share_count", "view_count"}
)
"""The Display API's video object fields."""
COUNTERS = ("view_count", "like_count", "comment_count", "share_count")


def tiktok_error(code: str, message: str, status: int, headers: dict[str, str] | None = None) -> Reply:
    """TikTok's error envelope."""
    error = {"code": code, "message": message, "log_id": "fake"}
    return Reply.json({"data": {}, "error": error}, status, headers)


def consent_redirect(query: dict[str, str], code: str) -> Reply:
    """The consent page's redirect back to the app with ``code`` and the ``state`` it was given."""
    return Reply(
        302,
        headers={"Location": f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"},
    )


def ok(data: dict[str, Any]) -> Reply:
    return Reply.json({"data": data, "error": {"code": "ok", "message": "", "log_id": "fake"}})


@dataclass
class Upload:
    publish_id: str
    token: str
    post_info: dict[str, Any]
    video_size: int
    chunk_size: int
    total_chunk_count: int
    data: bytearray = field(default_factory=bytearray)
    status: str = "PROCESSING_UPLOAD"
    fail_reason: str = ""
    polls: int = 0
    post_id: str | None = None


class FakeTikTok:
    """Stateful app for :class:`FakeServer`; set ``base_url`` after the server starts."""

    def __init__(self, client_key: str = "tt-key", client_secret: str = "tt-secret") -> None:
        self.base_url = ""
        self.client_key = client_key
        self.client_secret = client_secret
        self.tokens: dict[str, str] = {}  # access token -> scope
        self.refresh_tokens: set[str] = set()
        self.codes: dict[str, tuple[str, str]] = {}  # code -> (redirect_uri, code_challenge)
        self.uploads: dict[str, Upload] = {}
        self.posts: list[str] = []
        self.daily_posts = 15
        self.rate_limited_inits = 0
        self.rate_limit_retry_after = "60"
        self.reject_with = ""
        self.counters: dict[str, dict[str, int]] = {}  # post id -> lifetime counters
        self.query_rate_limited = False
        self.queries: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- test helpers -------------------------------------------------------------------------------------

    def issue(
        self, access_token: str = "tt-access", refresh_token: str = "tt-refresh", scope: str = SCOPES
    ) -> None:
        """A live session with ``scope`` (by default ``video.publish`` and ``video.list``)."""
        self.tokens[access_token] = scope
        self.refresh_tokens.add(refresh_token)

    def revoke_all(self) -> None:
        """The user removed the app: every token is refused."""
        self.tokens.clear()
        self.refresh_tokens.clear()

    def consent(self, query: dict[str, str]) -> str:
        """What the consent page does for an authorization URL's query: checks it, returns a code bound
        to its ``redirect_uri`` and PKCE challenge (TikTok: hex SHA-256 of the verifier)."""
        assert query["client_key"] == self.client_key and query["response_type"] == "code"
        assert "video.publish" in query["scope"].split(",") and query["state"]
        code = f"tt-code-{next(self._ids)}"
        self.codes[code] = (query["redirect_uri"], query["code_challenge"])
        return code

    def set_counters(self, post_id: str, **counters: int) -> None:
        """The post's lifetime counters now (``view_count=...``, ``like_count=...``)."""
        self.counters.setdefault(post_id, dict.fromkeys(COUNTERS, 0)).update(counters)

    def reset_quota(self, daily_posts: int = 15) -> None:
        """The creator's 24 h window moved on."""
        self.daily_posts = daily_posts

    # -- dispatch -----------------------------------------------------------------------------------------

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            return self._dispatch(request)

    def _dispatch(self, request: Recorded) -> Reply:
        if request.path == "/v2/auth/authorize/":  # the consent page: the user agrees at once
            return consent_redirect(request.query, self.consent(request.query))
        if request.path == "/v2/oauth/token/":
            return self._token(request)
        if request.path.startswith("/upload/"):
            return self._put(request)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return tiktok_error("access_token_invalid", "The access token is invalid or not found", 401)
        scope = "video.list" if request.path == "/v2/video/query/" else "video.publish"
        if scope not in self.tokens[token].split(","):
            return tiktok_error("scope_not_authorized", f"{scope} not granted", 401)
        if request.path == "/v2/user/info/" and request.method == "GET":
            return ok({"user": {"open_id": "open-fake", "display_name": "Fake Creator"}})
        if (
            request.method != "POST"
            or request.headers.get("content-type") != "application/json; charset=UTF-8"
        ):
            return tiktok_error("invalid_params", "JSON body expected", 400)
        body = request.json()
        if request.path == "/v2/post/publish/creator_info/query/":
            return ok(
                {
                    "creator_username": "fakecreator",
                    "creator_nickname": "Fake Creator",
                    "privacy_level_options": PRIVACY_OPTIONS,
                    "comment_disabled": False,
                    "duet_disabled": False,
                    "stitch_disabled": True,
                    "max_video_post_duration_sec": 600,
                }
            )
        if request.path == "/v2/post/publish/video/init/":
            return self._init(token, body)
        if request.path == "/v2/post/publish/status/fetch/":
            return self._status(token, body)
        if request.path == "/v2/video/query/":
            return self._query(request.query, body)
        return tiktok_error("invalid_params", "unknown path", 404)

    def _token(self, request: Recorded) -> Reply:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        if (form.get("client_key"), form.get("client_secret")) != (self.client_key, self.client_secret):
            return Reply.json({"error": "invalid_client", "error_description": "bad client"}, 401)
        grant = form.get("grant_type")
        if grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            self.refresh_tokens.discard(form["refresh_token"])
        elif grant == "authorization_code" and form.get("code") in self.codes:
            redirect_uri, challenge = self.codes.pop(form["code"])
            verifier = form.get("code_verifier", "")
            if (
                form.get("redirect_uri") != redirect_uri
                or hashlib.sha256(verifier.encode()).hexdigest() != challenge
            ):
                return Reply.json({"error": "invalid_grant", "error_description": "redirect/verifier"}, 400)
        else:
            return Reply.json({"error": "invalid_grant", "error_description": "expired or revoked"}, 400)
        number = next(self._ids)
        access, refresh = f"tt-access-{number}", f"tt-refresh-{number}"
        self.issue(access, refresh)
        return Reply.json(
            {
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 86400,
                "refresh_expires_in": 31536000,
                "open_id": "open-fake",
                "scope": SCOPES,
                "token_type": "Bearer",
            }
        )

    def _init(self, token: str, body: dict[str, Any]) -> Reply:
        post, source = body.get("post_info") or {}, body.get("source_info") or {}
        problem = _post_info_problem(post) or _chunk_problem(source)
        if problem:
            return tiktok_error("invalid_params", problem, 400)
        if self.rate_limited_inits > 0:
            self.rate_limited_inits -= 1
            retry = {"Retry-After": self.rate_limit_retry_after}
            return tiktok_error("rate_limit_exceeded", "Too many requests", 429, retry)
        if self.daily_posts <= 0:
            return tiktok_error("spam_risk_too_many_posts", "The daily post cap is reached", 403)
        publish_id = f"v_pub_file~v2-{next(self._ids)}"
        self.uploads[publish_id] = Upload(
            publish_id,
            token,
            post,
            source["video_size"],
            source["chunk_size"],
            source["total_chunk_count"],
        )
        return ok({"publish_id": publish_id, "upload_url": f"{self.base_url}/upload/{publish_id}"})

    def _put(self, request: Recorded) -> Reply:
        upload = self.uploads.get(request.path.removeprefix("/upload/"))
        if upload is None or upload.status != "PROCESSING_UPLOAD":
            return Reply(404)
        match = _RANGE_RE.match(request.headers.get("content-range", ""))
        if request.headers.get("content-type") != "video/mp4" or match is None:
            return Reply(400, b"Content-Type video/mp4 and Content-Range bytes a-b/total required")
        first, last, total = (int(group) for group in match.groups())
        index = len(upload.data) // upload.chunk_size if upload.data else 0
        final = index == upload.total_chunk_count - 1
        expected_last = upload.video_size - 1 if final else first + upload.chunk_size - 1
        if (
            total != upload.video_size
            or first != len(upload.data)
            or last != expected_last
            or len(request.body) != last - first + 1
        ):
            return Reply(416, b"chunk out of order or of the wrong size")
        upload.data += request.body
        if not final:
            return Reply(206)
        self._complete(upload)
        return Reply(201)

    def _complete(self, upload: Upload) -> None:
        if bytes(upload.data[4:8]) != b"ftyp":
            upload.status, upload.fail_reason = "FAILED", "file_format_check_failed"
        elif self.reject_with:
            upload.status, upload.fail_reason = "FAILED", self.reject_with
        else:
            upload.status = "PROCESSING_DOWNLOAD"
            upload.post_id = str(7_000_000 + next(self._ids))
            self.posts.append(upload.publish_id)
            self.daily_posts -= 1

    def _status(self, token: str, body: dict[str, Any]) -> Reply:
        upload = self.uploads.get(str(body.get("publish_id")))
        if upload is None or upload.token not in (token, *self.tokens):
            return tiktok_error("invalid_publish_id", "publish_id not found", 400)
        upload.polls += 1
        if upload.status == "PROCESSING_DOWNLOAD" and upload.polls > 1:
            upload.status = "PUBLISH_COMPLETE"
        data: dict[str, Any] = {"status": upload.status, "uploaded_bytes": len(upload.data)}
        if upload.status == "FAILED":
            data["fail_reason"] = upload.fail_reason
        if upload.status == "PUBLISH_COMPLETE":
            data["publicaly_available_post_id"] = [int(upload.post_id or 0)]
        return ok(data)

    def _query(self, query: dict[str, str], body: dict[str, Any]) -> Reply:
        if self.query_rate_limited:
            return tiktok_error("rate_limit_exceeded", "Too many requests", 429)
        fields = query.get("fields", "").split(",")
        ids = (body.get("filters") or {}).get("video_ids")
        if "id" not in fields or not set(fields) <= VIDEO_FIELDS:
            return tiktok_error("invalid_params", "fields must name video object fields", 400)
        if not isinstance(ids, list) or not 1 <= len(ids) <= 20 or not all(isinstance(i, str) for i in ids):
            return tiktok_error("invalid_params", "filters.video_ids must list 1-20 ids", 400)
        self.queries.append({"fields": fields, "video_ids": ids})
        posted = {upload.post_id for upload in self.uploads.values() if upload.status == "PUBLISH_COMPLETE"}
        videos = [
            {name: value for name, value in {"id": i, **self.counters.get(i, {})}.items() if name in fields}
            for i in ids
            if i in posted
        ]
        return ok({"videos": videos, "cursor": 0, "has_more": False})


def _post_info_problem(post: dict[str, Any]) -> str:
    if not isinstance(post.get("title"), str) or len(post["title"]) > 2200:
        return "post_info.title must be a string of at most 2200 characters"
    if post.get("privacy_level") not in PRIVACY_OPTIONS:
        return "privacy_level_option_mismatch"
    for name in ("disable_comment", "disable_duet", "disable_stitch"):
        if name in post and not isinstance(post[name], bool):
            return f"post_info.{name} must be a boolean"
    return ""


def _chunk_problem(source: dict[str, Any]) -> str:
    if source.get("source") != "FILE_UPLOAD":
        return "source_info.source must be FILE_UPLOAD"
    size, chunk, count = source.get("video_size"), source.get("chunk_size"), source.get("total_chunk_count")
    if not all(isinstance(value, int) and value > 0 for value in (size, chunk, count)):
        return "video_size, chunk_size and total_chunk_count are required positive integers"
    assert isinstance(size, int) and isinstance(chunk, int) and isinstance(count, int)
    if size < 5 * MB:
        return "" if (chunk, count) == (size, 1) else "a video under 5 MB is one whole chunk"
    if not 5 * MB <= chunk <= 64 * MB or count != size // chunk or count > 1000:
        return "chunks must be 5-64 MB and total_chunk_count = floor(video_size / chunk_size)"
    if size - (count - 1) * chunk > 128 * MB:
        return "the last chunk may be at most 128 MB"
    return ""

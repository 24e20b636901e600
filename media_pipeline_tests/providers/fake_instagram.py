"""A loopback fake of the Instagram Graph API content publishing endpoints, checking what Instagram checks:

a bearer token of the account (else error 190, ``OAuthException``); ``POST /{ig-user-id}/media`` with
``media_type=REELS``, a ``caption`` and a ``video_url`` it fetches (cURL-like, as Instagram does) and checks
to be an MP4 (else the container ends in ``ERROR``); ``GET /{container-id}?fields=status_code,status``
(``IN_PROGRESS`` then ``FINISHED``; ``PUBLISHED`` once published; ``EXPIRED`` via :meth:`expire`);
``GET /{ig-user-id}/content_publishing_limit``; ``POST /{ig-user-id}/media_publish`` with a ``FINISHED``
``creation_id`` (error 9 / 2207042 once ``quota_total`` posts were made in the window, a second publish of
the same container refused); ``GET /{media-id}?fields=permalink``; ``GET /{ig-user-id}/media``;
``GET /refresh_access_token``. ``posts`` counts published media.

Insights: ``GET /{media-id}/insights?metric=...`` (Reel metrics only, else error 100) answers each metric's
lifetime value (:meth:`set_insights`; watch times in milliseconds); ``insights_rate_limited`` answers
error 4 (application request limit).
"""

from __future__ import annotations

import itertools
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from media_pipeline_tests.providers.fake_tiktok import consent_redirect
from media_pipeline_tests.providers.fakeserver import Recorded, Reply

REEL_METRICS = frozenset(
    {"comments", "ig_reels_avg_watch_time", "ig_reels_video_view_total_time", "likes", "reach", "saved"}
    | {"shares", "total_interactions", "views"}
)
"""The metrics of a Reel's insights."""


def graph_error(code: int, message: str, status: int = 400, subcode: int | None = None) -> Reply:
    """The Graph API error envelope."""
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "fake"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Reply.json({"error": error}, status)


@dataclass
class Container:
    caption: str
    status_code: str = "IN_PROGRESS"
    status: str = ""
    polls: int = 0
    media_id: str | None = None


class FakeInstagram:
    """Stateful app for :class:`FakeServer` (paths without the ``/v21.0`` version prefix are refused)."""

    def __init__(self, user_id: str = "17841400000000001", access_token: str = "ig-access") -> None:
        self.user_id = user_id
        self.tokens = {access_token}
        self.containers: dict[str, Container] = {}
        self.media: dict[str, dict[str, str]] = {}
        self.posts: list[str] = []
        self.quota_total = 50
        self.reject_with = ""
        self.fetched: list[int] = []
        self.fetched_urls: list[str] = []
        self.posts_in_window = 0
        self.insights: dict[str, dict[str, int]] = {}  # media id -> lifetime metric values
        self.insights_rate_limited = False
        self.codes: dict[str, str] = {}  # code -> redirect_uri
        self.app_id, self.app_secret = "ig-app", "ig-secret"
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def consent(self, query: dict[str, str]) -> str:
        """What the consent page does for an authorization URL's query: checks it, returns a code."""
        assert query["client_id"] == self.app_id and query["response_type"] == "code" and query["state"]
        assert "instagram_business_content_publish" in query["scope"].split(",")
        code = f"ig-code-{next(self._ids)}"
        self.codes[code] = query["redirect_uri"]
        return code

    def revoke_all(self) -> None:
        """The user removed the app: every token is refused."""
        self.tokens.clear()

    def expire(self, container_id: str) -> None:
        """The container was not published within 24 h."""
        self.containers[container_id].status_code = "EXPIRED"

    def set_insights(self, media_id: str, **values: int) -> None:
        """The Reel's lifetime insights now (``views=...``, ``ig_reels_avg_watch_time=...`` in ms)."""
        self.insights.setdefault(media_id, {}).update(values)

    def reset_quota(self) -> None:
        """The 24 h window moved past every earlier post."""
        self.posts_in_window = 0

    def __call__(self, request: Recorded) -> Reply:
        with self._lock:
            return self._dispatch(request)

    def _dispatch(self, request: Recorded) -> Reply:
        if request.path == "/oauth/authorize":  # the consent page: the user agrees at once
            return consent_redirect(request.query, self.consent(request.query))
        if request.path == "/oauth/access_token":
            return self._short_token(request)
        if not request.path.startswith("/v21.0/"):
            return graph_error(2500, "Unknown path components", 400)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return graph_error(190, "Error validating access token: The session has been invalidated")
        path = request.path.removeprefix("/v21.0")
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        user = f"/{self.user_id}"
        if request.method == "POST" and path == f"{user}/media":
            return self._create(form)
        if request.method == "POST" and path == f"{user}/media_publish":
            return self._publish(form)
        if request.method == "GET" and path == f"{user}/content_publishing_limit":
            config = {"quota_total": self.quota_total, "quota_duration": 86400}
            return Reply.json({"data": [{"config": config, "quota_usage": self.posts_in_window}]})
        if request.method == "GET" and path == f"{user}/media":
            return Reply.json({"data": list(self.media.values())})
        if request.method == "GET" and path == "/access_token":
            if (
                request.query.get("grant_type") != "ig_exchange_token"
                or request.query.get("client_secret") != self.app_secret
            ):
                return graph_error(100, "grant_type ig_exchange_token and the app secret are required")
            token = f"ig-long-{next(self._ids)}"
            self.tokens.add(token)
            return Reply.json({"access_token": token, "token_type": "bearer", "expires_in": 5184000})
        if request.method == "GET" and path == "/me":
            return Reply.json({"user_id": self.user_id, "username": "fakeig", "id": self.user_id})
        if request.method == "GET" and path == "/refresh_access_token":
            token = f"ig-access-{next(self._ids)}"
            self.tokens.add(token)
            return Reply.json({"access_token": token, "token_type": "bearer", "expires_in": 5184000})
        item = path.strip("/")
        if request.method == "GET" and item.endswith("/insights"):
            return self._insights(item.removesuffix("/insights"), request.query.get("metric", ""))
        if request.method == "GET" and item in self.containers:
            container = self.containers[item]
            container.polls += 1
            if container.status_code == "IN_PROGRESS" and container.polls > 1:
                container.status_code = "FINISHED"
            return Reply.json({"id": item, "status_code": container.status_code, "status": container.status})
        if request.method == "GET" and item in self.media:
            return Reply.json({"id": item, "permalink": self.media[item]["permalink"]})
        return graph_error(100, "Unsupported request", 400)

    def _short_token(self, request: Recorded) -> Reply:
        form = {key: values[-1] for key, values in parse_qs(request.body.decode()).items()}
        redirect_uri = self.codes.pop(form.get("code", ""), None)
        if form.get("client_secret") != self.app_secret or form.get("grant_type") != "authorization_code":
            return Reply.json(
                {"error_type": "OAuthException", "code": 400, "error_message": "bad client"}, 400
            )
        if redirect_uri is None or redirect_uri != form.get("redirect_uri"):
            return Reply.json({"error_type": "OAuthException", "code": 400, "error_message": "bad code"}, 400)
        token = f"ig-short-{next(self._ids)}"
        self.tokens.add(token)
        permissions = "instagram_business_basic,instagram_business_content_publish"
        return Reply.json(
            {"data": [{"access_token": token, "user_id": self.user_id, "permissions": permissions}]}
        )

    def _create(self, form: dict[str, str]) -> Reply:
        if form.get("media_type") != "REELS" or not form.get("video_url") or "caption" not in form:
            return graph_error(100, "media_type=REELS, video_url and caption are required")
        container_id = f"1789{next(self._ids):011d}"
        container = Container(form["caption"])
        try:
            with urllib.request.urlopen(form["video_url"], timeout=10) as answer:
                head = answer.read()
        except OSError as exc:
            head = b""
            container.status = f"Error: the video could not be fetched ({exc})"
        self.fetched.append(len(head))
        self.fetched_urls.append(form["video_url"])
        if head[4:8] != b"ftyp" or self.reject_with:
            container.status_code = "ERROR"
            container.status = container.status or self.reject_with or "Error: unsupported format (2207026)"
        self.containers[container_id] = container
        return Reply.json({"id": container_id})

    def _publish(self, form: dict[str, str]) -> Reply:
        container = self.containers.get(form.get("creation_id", ""))
        if container is None or container.status_code != "FINISHED":
            return graph_error(9007, "Media ID is not available", 400, 2207027)
        if self.posts_in_window >= self.quota_total:
            return graph_error(9, "Application request limit reached", 400, 2207042)
        media_id = f"1790{next(self._ids):011d}"
        container.status_code, container.media_id = "PUBLISHED", media_id
        permalink = f"https://www.instagram.com/reel/{media_id}/"
        self.media[media_id] = {"id": media_id, "caption": container.caption, "permalink": permalink}
        self.posts.append(media_id)
        self.posts_in_window += 1
        return Reply.json({"id": media_id})

    def _insights(self, media_id: str, metric: str) -> Reply:
        if self.insights_rate_limited:
            return graph_error(4, "Application request limit reached", 403)
        if media_id not in self.media:
            return graph_error(100, "Unsupported get request. Object does not exist", 400, 33)
        names = metric.split(",")
        if not metric or not set(names) <= REEL_METRICS:
            return graph_error(100, f"(#100) metric must be one of {sorted(REEL_METRICS)}")
        values = self.insights.get(media_id, {})
        data = [
            {
                "name": name,
                "period": "lifetime",
                "values": [{"value": values[name]}],
                "title": name.replace("_", " ").capitalize(),
                "description": f"The Reel's lifetime {name}",
                "id": f"{media_id}/insights/{name}/lifetime",
            }
            for name in names
            if name in values
        ]
        return Reply.json({"data": data})

"""Instagram Reels through the Instagram Graph API (docs/ARCHITECTURE.md §10, publications).

Steps, each recorded in the publication before the next starts:

1. ``POST /{ig-user-id}/media`` with ``media_type=REELS``, ``video_url`` (a URL Instagram can fetch: a
   presigned object URL) and ``caption`` (title and hashtags); the container id is saved (``processing``).
2. ``GET /{container-id}?fields=status_code,status`` until ``FINISHED`` (``ERROR``: failed with the reason).
3. ``GET /{ig-user-id}/content_publishing_limit``: a full quota defers the publication by the quota's
   window (``config.quota_duration``, 24 h): every post now counted has left the moving window by then, so
   one deferral (one stage retry, docs/ARCHITECTURE.md §4) is always enough.
4. ``POST /{ig-user-id}/media_publish`` with ``creation_id``, then the post's ``permalink``.

After a crash the recorded container is polled again: ``PUBLISHED`` means the publish call went through
(the post is found among the account's recent media by its caption), ``EXPIRED`` (24 h) makes a new
container; nothing is ever published twice. Rate limits (error codes 4, 17, 32, 613, HTTP 429) and the
publishing limit (code 9, subcode 2207042) defer; error 190 (token invalid or revoked) asks for a
reconnect.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from media_pipeline.domain import Script, TaskSpec
from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.errors import DeferredError, PermanentError
from media_pipeline.providers.base import PublishInput
from media_pipeline.providers.http_api import body_excerpt, retry_after_seconds
from media_pipeline.providers.publication_flow import Save
from media_pipeline.providers.social_http import SocialHttp, poll_until, retryable_status
from media_pipeline.providers.social_tokens import ReconnectRequired, SocialToken, SocialTokenFile
from media_pipeline.providers.tiktok import caption

CAPTION_LIMIT = 2200
RATE_LIMIT_S = 3600.0  # app and user rate limits (codes 4, 17, 32, 613) without a Retry-After
QUOTA_WINDOW_S = 86400.0  # the publishing limit's moving window when the answer does not state it
RECONNECT_CODES = frozenset({190, 102, 10, 200})
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
PUBLISH_LIMIT = (9, 2207042)
LONG_LIVED = timedelta(days=60)


def classify(response: httpx.Response) -> Exception | None:
    """A Graph API answer as an error (None: success)."""
    retry = retryable_status(response)
    if retry is not None:
        return retry
    if response.is_success:
        return None
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code, subcode = error.get("code"), error.get("error_subcode")
    reason = error.get("error_user_msg") or error.get("message") or body_excerpt(response)
    message = f"Instagram error {code}/{subcode}: {reason}"
    if code in RECONNECT_CODES or response.status_code == 401:
        return ReconnectRequired(message)
    if (code, subcode) == PUBLISH_LIMIT:
        return DeferredError(message, QUOTA_WINDOW_S)
    if code in RATE_LIMIT_CODES or response.status_code == 429:
        return DeferredError(message, retry_after_seconds(response) or RATE_LIMIT_S)
    return PermanentError(message)


class InstagramPublisher:
    """Reels for one connected professional account (see the module docstring)."""

    target = PublishTarget.INSTAGRAM

    def __init__(
        self,
        tokens: SocialTokenFile,
        *,
        graph_url: str,
        video_url: Callable[[], str],
        poll_interval_s: float,
        poll_timeout_s: float,
        http: SocialHttp | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tokens = tokens
        self.graph_url = graph_url.rstrip("/")
        self.video_url = video_url
        self.poll_interval_s = poll_interval_s
        self.poll_timeout_s = poll_timeout_s
        self.http = http or SocialHttp("Instagram", classify)
        self.clock = clock

    def publish(
        self, publication: Publication, save: Save, task: TaskSpec, script: Script, files: PublishInput
    ) -> Publication:
        """Resume the recorded container or make one, wait for it, then publish it once."""
        token = self.access_token()
        text = caption(script, CAPTION_LIMIT)
        status = (
            self._container_status(token.access_token, publication.remote_id) if publication.remote_id else {}
        )
        if status.get("status_code") == "PUBLISHED":
            return self._adopt(publication, save, token, text)
        if status.get("status_code") in (None, "EXPIRED"):
            publication.status = PublicationStatus.UPLOADING
            save(publication)
            answer = self._call(
                token.access_token,
                "POST",
                f"/{token.account_id}/media",
                "create container",
                data={"media_type": "REELS", "video_url": self.video_url(), "caption": text},
            )
            publication.remote_id = str(answer["id"])
        publication.status = PublicationStatus.PROCESSING
        save(publication)
        self._await_container(token.access_token, publication.remote_id or "")
        self._check_limit(token)
        answer = self._call(
            token.access_token,
            "POST",
            f"/{token.account_id}/media_publish",
            "media_publish",
            data={"creation_id": publication.remote_id or ""},
        )
        return self._published(publication, save, token.access_token, str(answer["id"]))

    def _await_container(self, token: str, container_id: str) -> None:
        seen = poll_until(
            lambda: self._container_status(token, container_id),
            lambda answer: answer.get("status_code") != "IN_PROGRESS",
            what="Instagram container",
            interval_s=self.poll_interval_s,
            timeout_s=self.poll_timeout_s,
        )
        if seen.get("status_code") != "FINISHED":
            raise PermanentError(
                f"Instagram rejected the video: {seen.get('status_code')} {seen.get('status') or ''}".strip()
            )

    def _check_limit(self, token: SocialToken) -> None:
        answer = self._call(
            token.access_token,
            "GET",
            f"/{token.account_id}/content_publishing_limit",
            "publishing limit",
            params={"fields": "config,quota_usage"},
        )
        for entry in answer.get("data", []):
            config = entry.get("config") or {}
            total = int(config.get("quota_total", 0))
            window = float(config.get("quota_duration") or QUOTA_WINDOW_S)
            if total and int(entry.get("quota_usage", 0)) >= total:
                raise DeferredError(
                    f"Instagram publishing limit reached ({entry['quota_usage']}/{total} in {window:g} s)",
                    window,
                )

    def _adopt(self, publication: Publication, save: Save, token: SocialToken, text: str) -> Publication:
        """The container was published by an earlier attempt: find the post by its caption."""
        answer = self._call(
            token.access_token,
            "GET",
            f"/{token.account_id}/media",
            "recent media",
            params={"fields": "id,caption,permalink", "limit": "25"},
        )
        match = next((m for m in answer.get("data", []) if m.get("caption") == text), None)
        publication.post_id = str(match["id"]) if match else None
        publication.url = match.get("permalink") if match else None
        publication.status = PublicationStatus.PUBLISHED
        return save(publication)

    def _published(self, publication: Publication, save: Save, token: str, media_id: str) -> Publication:
        """Record the post, then its permalink; ``published`` only with both, so a crash in between is
        resumed through the container (``PUBLISHED``: the post is adopted with its permalink)."""
        publication.post_id = media_id
        save(publication)
        answer = self._call(token, "GET", f"/{media_id}", "permalink", params={"fields": "permalink"})
        publication.url = answer.get("permalink")
        publication.status = PublicationStatus.PUBLISHED
        return save(publication)

    def _container_status(self, token: str, container_id: str) -> dict[str, Any]:
        return self._call(
            token, "GET", f"/{container_id}", "container status", params={"fields": "status_code,status"}
        )

    def _call(self, token: str, method: str, path: str, what: str, **kwargs: Any) -> dict[str, Any]:
        response = self.http.request(method, self.graph_url + path, token=token, what=what, **kwargs)
        return dict(response.json())

    def access_token(self) -> SocialToken:
        """The account's token, refreshed (long-lived tokens last 60 days) when it is about to expire."""
        return instagram_token(self.tokens, self.http, self.graph_url, self.clock())


def instagram_token(tokens: SocialTokenFile, http: SocialHttp, graph_url: str, now: datetime) -> SocialToken:
    """The account's token; refreshed (``GET /refresh_access_token``) and saved when about to expire."""
    token = tokens.load()
    if not token.expiring(now):
        return token
    response = http.request(
        "GET",
        f"{graph_url.rstrip('/')}/refresh_access_token",
        token=token.access_token,
        what="token refresh",
        params={"grant_type": "ig_refresh_token"},
    )
    answer = response.json()
    fresh = token.model_copy(
        update={
            "access_token": answer["access_token"],
            "expires_at": now + timedelta(seconds=int(answer.get("expires_in", LONG_LIVED.total_seconds()))),
        }
    )
    tokens.save(fresh)
    return fresh

"""TikTok Content Posting API, direct post (docs/ARCHITECTURE.md §10, publications).

Steps, each recorded in the publication before the next starts:

1. ``POST /v2/post/publish/creator_info/query/``: the privacy levels the creator allows (the task's
   privacy is mapped to the closest allowed one) and whether comments, duets and stitches are off.
2. ``POST /v2/post/publish/video/init/`` with ``post_info`` and ``source_info`` ``FILE_UPLOAD`` (chunks per
   TikTok's rules, ``chunks``); the ``publish_id`` is saved (status ``uploading``).
3. ``PUT upload_url`` per chunk with ``Content-Range: bytes a-b/total``; then status ``processing``.
4. ``POST /v2/post/publish/status/fetch/`` until ``PUBLISH_COMPLETE`` (published) or ``FAILED`` (failed with
   TikTok's ``fail_reason``).

After a crash: a recorded ``processing`` post is only polled again. A recorded ``uploading`` post whose
upload did not finish is never published by TikTok, so the attempt starts a new one: no second post.
Quota and rate limits (``rate_limit_exceeded``, ``spam_risk_too_many_posts``, HTTP 429) defer; a refused
token (``access_token_invalid``, ``scope_not_authorized``, a refused refresh) asks for a reconnect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from media_pipeline.domain import Privacy, Script, TaskSpec
from media_pipeline.domain.publication import Publication, PublishTarget
from media_pipeline.domain.statuses import PublicationStatus
from media_pipeline.errors import DeferredError, PermanentError, TransientError
from media_pipeline.liveness import moved
from media_pipeline.providers.base import PublishInput
from media_pipeline.providers.http_api import body_excerpt, retry_after_seconds
from media_pipeline.providers.publication_flow import Save
from media_pipeline.providers.social_http import SocialHttp, poll_until, retryable_status
from media_pipeline.providers.social_tokens import ReconnectRequired, SocialToken, SocialTokenFile

MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64 * 1024 * 1024
SCOPE = "video.publish"
TITLE_LIMIT = 2200  # UTF-16 runes of a video post's title (caption)
RATE_LIMIT_S = 60.0  # 6 requests per minute per token
DAILY_CAP_S = 24 * 3600.0  # spam_risk_too_many_posts: the creator's posts of the last 24 h
RECONNECT_CODES = frozenset(
    {"access_token_invalid", "scope_not_authorized", "scope_permission_missed", "invalid_grant"}
)
DEFER_CODES = {
    "rate_limit_exceeded": RATE_LIMIT_S,
    "spam_risk_too_many_posts": DAILY_CAP_S,
    "spam_risk_too_many_pending_share": DAILY_CAP_S,
    "reached_active_user_cap": DAILY_CAP_S,
}
PRIVACY_PREFERENCE = {
    Privacy.PUBLIC: ("PUBLIC_TO_EVERYONE", "FOLLOWER_OF_CREATOR", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"),
    Privacy.UNLISTED: ("MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"),
    Privacy.PRIVATE: ("SELF_ONLY",),
}
"""The task's privacy as TikTok levels, best first; never more public than the task asked."""


def chunks(video_size: int, chunk_size: int) -> tuple[int, list[tuple[int, int]]]:
    """TikTok's chunking: ``(chunk_size, [(first, last), ...])``. Under 5 MB one whole chunk; else chunks of
    ``chunk_size`` (clamped to 5-64 MB), ``floor(size / chunk_size)`` of them, the last taking the trailing
    bytes."""
    if video_size <= 0:
        raise PermanentError("the video file is empty")
    if video_size < MIN_CHUNK:
        return video_size, [(0, video_size - 1)]
    size = max(MIN_CHUNK, min(MAX_CHUNK, chunk_size, video_size))
    count = video_size // size
    ranges = [(i * size, (i + 1) * size - 1) for i in range(count)]
    ranges[-1] = (ranges[-1][0], video_size - 1)
    return size, ranges


def privacy_level(privacy: Privacy, allowed: list[str]) -> str:
    """The creator-allowed level closest to the task's privacy; PermanentError if none is allowed."""
    for level in PRIVACY_PREFERENCE[privacy]:
        if level in allowed:
            return level
    raise PermanentError(f"TikTok allows this creator only {allowed}; none matches privacy {privacy.value!r}")


def caption(script: Script, limit: int) -> str:
    """Title plus hashtags from the script's tags, within ``limit`` characters."""
    tags = " ".join(f"#{tag.replace(' ', '')}" for tag in script.tags if tag.strip())
    text = f"{script.title}\n\n{tags}".strip() if tags else script.title
    return text[:limit]


def classify(response: httpx.Response) -> Exception | None:
    """TikTok's answer as an error (None: ``error.code == "ok"``)."""
    retry = retryable_status(response)
    if retry is not None:
        return retry
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, str):  # the OAuth endpoint: {"error": "invalid_grant", "error_description": ...}
        error = {"code": error, "message": answer.get("error_description")}
    error = error or {}
    code = str(error.get("code") or ("ok" if response.is_success else f"http_{response.status_code}"))
    if code == "ok" and response.is_success:
        return None
    message = f"TikTok {code}: {error.get('message') or body_excerpt(response)}"
    if code in RECONNECT_CODES or response.status_code == 401:
        return ReconnectRequired(message)
    if code in DEFER_CODES or response.status_code == 429:
        return DeferredError(message, retry_after_seconds(response) or DEFER_CODES.get(code, RATE_LIMIT_S))
    return PermanentError(message)


class TikTokPublisher:
    """Direct posts for one connected account (see the module docstring)."""

    target = PublishTarget.TIKTOK

    def __init__(
        self,
        tokens: SocialTokenFile,
        *,
        base_url: str,
        client_key: str,
        client_secret: str,
        chunk_size: int,
        poll_interval_s: float,
        poll_timeout_s: float,
        http: SocialHttp | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.tokens = tokens
        self.base_url = base_url.rstrip("/")
        self.chunk_size = chunk_size
        self.poll_interval_s = poll_interval_s
        self.poll_timeout_s = poll_timeout_s
        self.http = http or SocialHttp("TikTok", classify)
        self.oauth = TikTokOAuth(self.http, base_url, client_key, client_secret)
        self.clock = clock

    # -- the publication ----------------------------------------------------------------------------------

    def publish(
        self, publication: Publication, save: Save, task: TaskSpec, script: Script, files: PublishInput
    ) -> Publication:
        """Resume or start the post; returns the publication published (raises otherwise)."""
        token = self.access_token()
        if publication.remote_id and publication.status is PublicationStatus.PROCESSING:
            return self._await(publication, save, token)
        video_size = files.video.stat().st_size
        if publication.remote_id and self._upload_finished(token, publication.remote_id, video_size):
            publication.status = PublicationStatus.PROCESSING  # the crash came after the last chunk
            save(publication)
            return self._await(publication, save, token)
        creator = self._post(token, "/v2/post/publish/creator_info/query/", {}, "creator info")
        chunk_size, ranges = chunks(video_size, self.chunk_size)
        body = {
            "post_info": self._post_info(task, script, creator),
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": video_size,
                "chunk_size": chunk_size,
                "total_chunk_count": len(ranges),
            },
        }
        data = self._post(token, "/v2/post/publish/video/init/", body, "video init")
        publication.remote_id = str(data["publish_id"])
        publication.status = PublicationStatus.UPLOADING
        save(publication)
        self._upload(str(data["upload_url"]), files.video, video_size, ranges)
        publication.status = PublicationStatus.PROCESSING
        save(publication)
        return self._await(publication, save, token)

    def _post_info(self, task: TaskSpec, script: Script, creator: dict[str, Any]) -> dict[str, Any]:
        interactions = task.settings.interactions
        return {
            "title": caption(script, TITLE_LIMIT),
            "privacy_level": privacy_level(
                task.settings.privacy, list(creator.get("privacy_level_options", []))
            ),
            "disable_comment": bool(creator.get("comment_disabled")) or not interactions.comments,
            "disable_duet": bool(creator.get("duet_disabled")) or not interactions.duet,
            "disable_stitch": bool(creator.get("stitch_disabled")) or not interactions.stitch,
        }

    def _upload(self, url: str, video: Path, total: int, ranges: list[tuple[int, int]]) -> None:
        for first, last, data in _read_ranges(video, ranges):
            headers = {
                "Content-Type": "video/mp4",
                "Content-Range": f"bytes {first}-{last}/{total}",
            }
            self.http.request("PUT", url, what="chunk upload", content=data, headers=headers)
            moved(f"TikTok chunk {last + 1}/{total} bytes")

    def _await(self, publication: Publication, save: Save, token: str) -> Publication:
        publish_id = publication.remote_id or ""
        seen = poll_until(
            lambda: self._status(token, publish_id),
            lambda answer: answer.get("status") in ("PUBLISH_COMPLETE", "FAILED"),
            what="TikTok publish status",
            interval_s=self.poll_interval_s,
            timeout_s=self.poll_timeout_s,
        )
        if seen["status"] == "FAILED":
            raise PermanentError(f"TikTok rejected the video: {seen.get('fail_reason') or 'no reason given'}")
        post_ids = seen.get("publicaly_available_post_id") or []
        publication.post_id = str(post_ids[0]) if post_ids else None
        account = self.tokens.load().account_name
        if publication.post_id and account:
            publication.url = f"https://www.tiktok.com/@{account}/video/{publication.post_id}"
        publication.status = PublicationStatus.PUBLISHED
        return save(publication)

    def _upload_finished(self, token: str, publish_id: str, video_size: int) -> bool:
        """Whether the recorded post received all its bytes (then TikTok goes on with it); an unfinished or
        failed one is never published, so a new post may start."""
        status = self._status(token, publish_id)
        if status.get("status") == "FAILED":
            return False
        return status.get("status") != "PROCESSING_UPLOAD" or status.get("uploaded_bytes") == video_size

    def _status(self, token: str, publish_id: str) -> dict[str, Any]:
        return self._post(token, "/v2/post/publish/status/fetch/", {"publish_id": publish_id}, "status fetch")

    def _post(self, token: str, path: str, body: dict[str, Any], what: str) -> dict[str, Any]:
        response = self.http.request("POST", self.base_url + path, token=token, json=body, what=what)
        data = response.json().get("data")
        if not isinstance(data, dict):
            raise TransientError(f"TikTok {what} answered without data")
        return data

    # -- tokens --------------------------------------------------------------------------------------------

    def access_token(self) -> str:
        """A valid access token (refreshed and saved when it is about to expire)."""
        return tiktok_access_token(self.tokens, self.oauth, SCOPE, self.clock())


def tiktok_access_token(tokens: SocialTokenFile, oauth: TikTokOAuth, scope: str, now: datetime) -> str:
    """The account's access token if it granted ``scope`` (else ReconnectRequired), refreshed through
    ``oauth`` and saved when it is about to expire."""
    token = tokens.load()
    if scope not in token.scope.split(","):
        raise ReconnectRequired(f"the TikTok account did not grant {scope}; connect again")
    if not token.expiring(now):
        return token.access_token
    if not token.refresh_token:
        raise ReconnectRequired("the TikTok token expired and has no refresh token; connect again")
    answer = oauth.exchange({"grant_type": "refresh_token", "refresh_token": token.refresh_token})
    fresh = token_from_answer(answer, now, token.account_name)
    tokens.save(fresh)
    return fresh.access_token


class TikTokOAuth:
    """TikTok's token endpoint (``POST /v2/oauth/token/`` with the client credentials)."""

    def __init__(self, http: SocialHttp, base_url: str, client_key: str, client_secret: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.client_key = client_key
        self.client_secret = client_secret

    def exchange(self, form: dict[str, str]) -> dict[str, Any]:
        """The token answer for ``form`` (a grant); ReconnectRequired if TikTok refuses it."""
        response = self.http.request(
            "POST",
            f"{self.base_url}/v2/oauth/token/",
            what="token",
            data={"client_key": self.client_key, "client_secret": self.client_secret, **form},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        answer = response.json()
        if "access_token" not in answer:
            raise ReconnectRequired(f"TikTok refused the token request: {answer.get('error', 'unknown')}")
        return dict(answer)


def token_from_answer(answer: dict[str, Any], now: datetime, account_name: str) -> SocialToken:
    """A SocialToken from TikTok's token endpoint answer."""
    return SocialToken(
        access_token=answer["access_token"],
        refresh_token=answer.get("refresh_token"),
        expires_at=now + timedelta(seconds=int(answer.get("expires_in", 0))),
        account_id=str(answer["open_id"]),
        account_name=account_name,
        scope=str(answer.get("scope", "")),
    )


def _read_ranges(video: Path, ranges: list[tuple[int, int]]) -> Iterator[tuple[int, int, bytes]]:
    with video.open("rb") as handle:
        for first, last in ranges:
            handle.seek(first)
            yield first, last, handle.read(last - first + 1)

"""Unit tests of the YouTube helpers: metadata limits, error mapping, URL rebasing, thumbnail, authorize()."""

from __future__ import annotations

import json
import os
import threading
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image
from pydantic import ValidationError

from media_pipeline.errors import DeferredError, PermanentError, ProviderNotConfiguredError
from media_pipeline.providers.youtube import THUMBNAIL_MAX_BYTES, normalise_chunk_size, thumbnail_media
from media_pipeline.providers.youtube_auth import SCOPES, authorize
from media_pipeline.providers.youtube_client import rebase_url
from media_pipeline.providers.youtube_errors import raise_unless_retryable, seconds_until_quota_reset
from media_pipeline.providers.youtube_metadata import contains_marker, video_body
from media_pipeline_tests.providers.fake_youtube import FakeYouTube, google_error
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.providers.helpers import make_script, make_task

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
MARKER = "media_pipeline:task-1:1"


def body_for(**task_settings: Any) -> dict[str, Any]:
    task = make_task(**task_settings)
    return video_body(task, make_script(task), MARKER, category_id="27", now=NOW)


def test_video_body_limits_and_marker() -> None:
    task = make_task(tags=["b" * 60] * 30)
    script = make_script(task).model_copy(
        update={"title": "<b>" + "T" * 150, "description": "한" * 3000, "tags": ["a,b", "has space"]}
    )
    body = video_body(task, script, MARKER, category_id="27", now=NOW)
    snippet = body["snippet"]

    assert snippet["title"] == "b" + "T" * 99 and len(snippet["title"]) == 100
    assert len(snippet["description"].encode()) <= 5000 and snippet["description"].endswith("\n\n" + MARKER)
    assert snippet["tags"][:3] == [MARKER, "a b", "has space"]
    tags = snippet["tags"]
    assert sum(len(t) + (2 if " " in t else 0) for t in tags) + len(tags) - 1 <= 500
    assert len(tags) < 2 + 1 + 30  # the task's 60-char tags were cut at the budget
    assert snippet["categoryId"] == "27"


def test_publish_at_rules() -> None:
    future = (NOW + timedelta(hours=5)).isoformat()
    past = (NOW - timedelta(hours=5)).isoformat()
    assert body_for(privacy="public", publishAt=future)["status"] == {
        "privacyStatus": "private",
        "publishAt": "2025-07-01T17:00:00Z",
        "selfDeclaredMadeForKids": False,
        "containsSyntheticMedia": False,
    }
    assert body_for(privacy="public", publishAt=past)["status"] == {
        "privacyStatus": "public",
        "selfDeclaredMadeForKids": False,
        "containsSyntheticMedia": False,
    }


@pytest.mark.parametrize(
    ("task_settings", "voice_provider", "synthetic"),
    [
        ({}, "espeak", False),
        ({"mediaMode": "dalle3"}, "espeak", True),
        ({"mediaMode": "sora2"}, "espeak", True),
        ({"voice": "google:ko-KR-Neural2-A"}, "espeak", True),
        ({}, "openai", True),  # no voice: the configured provider speaks
        ({"voice": "espeak:en-us"}, "openai", False),
        (
            {"mediaMode": "dalle3", "syntheticMedia": {"contains": False, "reason": "stylised art"}},
            "espeak",
            False,
        ),
        ({"syntheticMedia": {"contains": True, "reason": "face swap"}}, "espeak", True),
    ],
)
def test_contains_synthetic_media_is_always_sent(
    task_settings: dict[str, Any], voice_provider: str, synthetic: bool
) -> None:
    task = make_task(**task_settings)
    body = video_body(
        task, make_script(task), MARKER, category_id="27", now=NOW, voice_provider=voice_provider
    )
    assert body["status"]["containsSyntheticMedia"] is synthetic
    assert body["status"]["selfDeclaredMadeForKids"] is False
    assert body_for(madeForKids=True)["status"]["selfDeclaredMadeForKids"] is True


def test_synthetic_media_override_needs_a_reason() -> None:
    with pytest.raises(ValidationError, match="reason"):
        make_task(syntheticMedia={"contains": False})
    with pytest.raises(ValidationError, match="at least 3"):
        make_task(syntheticMedia={"contains": False, "reason": "  "})


def test_marker_matching_is_exact() -> None:
    assert contains_marker("desc\n\nmedia_pipeline:task-1:1", MARKER)
    assert contains_marker("media_pipeline:task-1:1 trailing", MARKER)
    assert not contains_marker("media_pipeline:task-1:12", MARKER)
    assert not contains_marker("media_pipeline:xtask-1:1", MARKER.replace("task", "ask"))


def test_quota_reset_is_next_pacific_midnight() -> None:
    # 2025-07-01 12:00 UTC = 05:00 PDT → 19 h to midnight, plus 5 min.
    assert seconds_until_quota_reset(NOW) == 19 * 3600 + 300
    assert seconds_until_quota_reset(datetime(2025, 7, 2, 6, 59, tzinfo=UTC)) == 60 + 300


def test_quota_reset_counts_real_seconds_across_dst_changes() -> None:
    # 2024-03-10 00:30 PST: clocks jump 02:00 -> 03:00, so midnight is 22.5 real hours away (not 23.5).
    assert seconds_until_quota_reset(datetime(2024, 3, 10, 8, 30, tzinfo=UTC)) == 22.5 * 3600 + 300
    # 2024-11-03 00:30 PDT: 01:00-02:00 happens twice, so midnight is 24.5 real hours away.
    assert seconds_until_quota_reset(datetime(2024, 11, 3, 7, 30, tzinfo=UTC)) == 24.5 * 3600 + 300


def http_error(status: int, reason: str) -> Exception:
    import httplib2
    from googleapiclient.errors import HttpError

    reply = google_error(status, reason)
    return HttpError(httplib2.Response({"status": status}), reply.body)


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        (503, "backendError", None),
        (500, "internalError", None),
        (403, "quotaExceeded", DeferredError),
        (403, "uploadLimitExceeded", DeferredError),
        (403, "rateLimitExceeded", DeferredError),
        (429, "tooManyRequests", DeferredError),
        (401, "authError", ProviderNotConfiguredError),
        (400, "invalidTitle", PermanentError),
        (403, "forbidden", PermanentError),
    ],
)
def test_error_mapping(status: int, reason: str, expected: type[Exception] | None) -> None:
    exc = http_error(status, reason)
    if expected is None:
        raise_unless_retryable(exc, what="x", now=NOW)
        return
    with pytest.raises(expected, match=reason if expected is not DeferredError else "nothing was lost"):
        raise_unless_retryable(exc, what="x", now=NOW)


def test_transport_errors_are_retryable() -> None:
    import google.auth.exceptions
    import httplib2

    for exc in (
        ConnectionResetError(),
        TimeoutError(),
        httplib2.ServerNotFoundError("x"),
        google.auth.exceptions.TransportError("dns"),
    ):
        raise_unless_retryable(exc, what="x", now=NOW)
    with pytest.raises(ProviderNotConfiguredError, match="youtube-auth"):
        raise_unless_retryable(google.auth.exceptions.RefreshError("invalid_grant"), what="x", now=NOW)
    with pytest.raises(ValueError):
        raise_unless_retryable(ValueError("bug"), what="x", now=NOW)


def test_rebase_url() -> None:
    base = "http://127.0.0.1:8080"
    assert rebase_url("https://127.0.0.1:8080/upload/x?a=1", base) == "http://127.0.0.1:8080/upload/x?a=1"
    assert rebase_url("https://youtube.googleapis.com/youtube/v3/videos", base) == (
        "http://127.0.0.1:8080/youtube/v3/videos"
    )
    assert rebase_url("https://example.com/x", base) == "https://example.com/x"


def test_chunk_size_is_a_multiple_of_256k() -> None:
    assert normalise_chunk_size(8 * 1024 * 1024 + 5) == 8 * 1024 * 1024
    assert normalise_chunk_size(1) == 256 * 1024
    assert normalise_chunk_size(-1) == -1


def test_large_thumbnail_is_reencoded_under_2mb(tmp_path: Path) -> None:
    noisy = tmp_path / "thumb.png"
    Image.frombytes("RGB", (1100, 1100), os.urandom(1100 * 1100 * 3)).save(noisy)
    assert noisy.stat().st_size > THUMBNAIL_MAX_BYTES

    media = thumbnail_media(noisy)

    assert media.mimetype() == "image/jpeg" and media.size() <= THUMBNAIL_MAX_BYTES


def test_authorize_runs_the_loopback_flow_and_writes_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeYouTube()
    with FakeServer(fake) as server:
        secrets = tmp_path / "client_secret.json"
        secrets.write_text(
            json.dumps(
                {
                    "installed": {
                        "client_id": "client.apps.googleusercontent.com",
                        "client_secret": "secret",
                        "auth_uri": f"{server.base_url}/auth",
                        "token_uri": f"{server.base_url}/token",
                        "redirect_uris": ["http://127.0.0.1"],
                    }
                }
            )
        )
        seen: dict[str, Any] = {}

        class Browser:
            """Plays the user: opens the consent URL, which redirects back to the local server."""

            def open(self, url: str, *args: Any, **kwargs: Any) -> bool:
                seen.update({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})
                follow = {"follow_redirects": True}
                threading.Thread(target=httpx.get, args=(url,), kwargs=follow, daemon=True).start()
                return True

        monkeypatch.setattr(webbrowser, "get", lambda *_a, **_k: Browser())
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake token endpoint is plain http

        token_file = authorize(secrets, tmp_path / "token.json", timeout_s=20)

    saved = json.loads(token_file.read_text())
    assert saved["refresh_token"] == "refresh-1" and saved["token"] == "fresh-token-1"
    assert set(saved["scopes"]) == set(SCOPES)
    assert seen["access_type"] == "offline" and seen["prompt"] == "consent"
    assert seen["redirect_uri"].startswith("http://127.0.0.1:")
    assert oct(token_file.stat().st_mode & 0o777) == "0o600"

"""JSON over HTTP for the social platforms (TikTok, Instagram): bearer token, a total deadline per attempt
through httpx timeouts, transient failures retried with backoff, and each platform's own reading of its
error bodies (``Classify``). Requests are never logged with their token: it travels in the
``Authorization`` header only."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from media_pipeline.errors import TransientError
from media_pipeline.liveness import moved
from media_pipeline.providers.http_api import retry_after_seconds
from media_pipeline.providers.retry import Backoff, RetryableError, call_with_retries

Classify = Callable[[httpx.Response], Exception | None]
"""The error an answer means (None: success); a ``RetryableError`` is tried again in this attempt."""


def retryable_status(response: httpx.Response) -> RetryableError | None:
    """A 5xx or 408 answer as a RetryableError (429 is each platform's rate limit, not retried here)."""
    if response.status_code >= 500 or response.status_code == 408:
        return RetryableError(f"HTTP {response.status_code}", retry_after_seconds(response))
    return None


class SocialHttp:
    """One platform's HTTP client."""

    def __init__(
        self,
        name: str,
        classify: Classify,
        *,
        timeout_s: float = 60.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.classify = classify
        self.backoff = backoff or Backoff()
        self._client = httpx.Client(timeout=timeout_s, transport=transport)

    def request(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        what: str,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send once per try; the answer if ``classify`` accepts it, else its error (after retries)."""
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if json is not None:
            sent.setdefault("Content-Type", "application/json; charset=UTF-8")

        def attempt() -> httpx.Response:
            try:
                response = self._client.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    content=content if json is None else _json_bytes(json),
                    headers=sent,
                )
            except httpx.TransportError as exc:
                raise RetryableError(f"{type(exc).__name__}") from exc
            problem = self.classify(response)
            if problem is not None:
                raise problem
            return response

        return call_with_retries(attempt, backoff=self.backoff, what=f"{self.name} {what}")


def _json_bytes(payload: Any) -> bytes:
    import json

    return json.dumps(payload, ensure_ascii=False).encode()


def poll_until(
    fetch: Callable[[], dict[str, Any]],
    finished: Callable[[dict[str, Any]], bool],
    *,
    what: str,
    interval_s: float,
    timeout_s: float,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Fetch the platform's status until ``finished`` accepts it; the last answer. Each change of the
    answer moves the run's progress mark (docs/ARCHITECTURE.md §4, liveness); TransientError (tried again
    by the stage) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    previous: dict[str, Any] | None = None
    while True:
        answer = fetch()
        if answer != previous:
            moved(f"{what}: {answer.get('status') or answer.get('status_code')}")
            previous = answer
        if finished(answer):
            return answer
        if time.monotonic() >= deadline:
            raise TransientError(f"{what}: still not done after {timeout_s:g} s")
        sleep(interval_s)

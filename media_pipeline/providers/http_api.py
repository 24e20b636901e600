"""A small JSON-over-HTTP client for configured provider endpoints (LLM, image and video generators).

Transient failures (5xx, 408, 429, timeouts, connection errors) are retried with backoff; other HTTP errors
raise :class:`PermanentError` naming the endpoint, status and an excerpt of the body. ``timeout_s`` bounds
each socket operation and also each whole attempt (a total deadline: a server trickling its answer byte by
byte is cut off, docs/ARCHITECTURE.md, liveness). The endpoints are
operator-configured, so no address filtering applies here (user-supplied URLs go through ``safe_fetch``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import SecretStr

from media_pipeline.errors import PermanentError
from media_pipeline.providers.retry import Backoff, RetryableError, call_with_retries
from media_pipeline.retry_policy import is_transient_status


def retry_after_seconds(response: httpx.Response) -> float:
    """The ``Retry-After`` header in seconds (0 when absent or not a number)."""
    try:
        return max(0.0, float(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0.0


def body_excerpt(response: httpx.Response, limit: int = 300) -> str:
    """The start of a response body for error messages."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return "<binary>"
    return text[:limit].strip()


class HttpApi:
    """Sends requests to ``base_url`` with fixed headers, a timeout (per socket operation and per attempt)
    and retries of transient failures."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 60.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.backoff = backoff or Backoff()
        self.timeout_s = timeout_s
        self._client = httpx.Client(
            headers=dict(headers or {}),
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
            trust_env=False,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpApi:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` below the base URL."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request (retried on transient failures) and return the 2xx response."""
        url = self.url(path)
        what = f"{self.name} {method} {url}"

        def attempt() -> httpx.Response:
            try:
                response = self._send(method, url, **kwargs)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                raise RetryableError(f"{type(exc).__name__}: {exc}") from exc
            if is_transient_status(response.status_code):
                raise RetryableError(
                    f"HTTP {response.status_code}: {body_excerpt(response)}", retry_after_seconds(response)
                )
            if not response.is_success:
                raise PermanentError(f"{what} returned HTTP {response.status_code}: {body_excerpt(response)}")
            return response

        return call_with_retries(attempt, backoff=self.backoff, what=what)

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One attempt, read completely within ``timeout_s`` in total (RetryableError past it)."""
        deadline = time.monotonic() + self.timeout_s
        with self._client.stream(method, url, **kwargs) as streamed:
            body = bytearray()
            for chunk in streamed.iter_raw():
                body += chunk
                if time.monotonic() > deadline:
                    raise RetryableError(f"no complete response within the {self.timeout_s:g} s deadline")
        return httpx.Response(
            streamed.status_code, headers=streamed.headers, content=bytes(body), request=streamed.request
        )

    def json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """Send one request and return its JSON object body (PermanentError if it is not one)."""
        response = self.request(method, path, **kwargs)
        try:
            payload = response.json()
        except ValueError as exc:
            raise PermanentError(f"{self.name} returned a non-JSON body: {body_excerpt(response)}") from exc
        if not isinstance(payload, dict):
            raise PermanentError(f"{self.name} returned JSON that is not an object: {body_excerpt(response)}")
        return payload


def bearer_headers(api_key: str | None) -> dict[str, str]:
    """``Authorization: Bearer`` when a key is set (Ollama and vLLM need none)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def secret_value(secret: SecretStr | None) -> str | None:
    """The plain value of an optional secret setting (None or empty → None)."""
    if secret is None:
        return None
    return secret.get_secret_value() or None

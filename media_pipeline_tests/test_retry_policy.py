"""The retry policy in one place: which failures are transient, the delays, and Retry-After deferral."""

from __future__ import annotations

import errno

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from media_pipeline.errors import (
    BoundedDeferral,
    DeferredError,
    PermanentError,
    ProviderNotConfiguredError,
    TransientError,
)
from media_pipeline.processes import ProcessFailed, ProcessTimedOut
from media_pipeline.providers.retry import Backoff, RetryableError, call_with_retries
from media_pipeline.retry_policy import BACKOFF_S, classify, is_disk_full, is_transient_status, retry_delay
from media_pipeline.store.errors import InsufficientCredits


def _status_error(status: int) -> httpx.HTTPStatusError:
    request = httpx.Request("GET", "http://127.0.0.1/x")
    return httpx.HTTPStatusError("bad", request=request, response=httpx.Response(status, request=request))


def _validation_error() -> ValidationError:
    class Model(BaseModel):
        count: int

    try:
        Model.model_validate({"count": "many"})
    except ValidationError as exc:
        return exc
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "exc",
    [
        TransientError("HTTP 503"),
        ProcessTimedOut("ffmpeg", -9, "timed out after 600 s"),
        ProcessFailed("ffmpeg", -9, "killed"),  # killed by a signal
        _status_error(500),
        _status_error(408),
        _status_error(429),
        httpx.ConnectError("refused"),
        TimeoutError("slow"),
        ConnectionResetError("reset"),
        KeyError("unexpected"),
    ],
)
def test_transient_failures(exc: BaseException) -> None:
    verdict = classify(exc)
    assert verdict.transient and verdict.retry_after_s is None
    assert verdict.message.startswith(type(exc).__name__)


@pytest.mark.parametrize(
    "exc",
    [
        PermanentError("invalid settings"),
        ProviderNotConfiguredError("no key"),
        PermanentError("configured font x has no Hangul glyphs"),
        ProcessFailed("ffmpeg", 1, "Invalid data found when processing input"),
        ProcessFailed("espeak-ng", None, "could not start"),
        _status_error(404),
        _status_error(400),
        _validation_error(),
        InsufficientCredits("not enough credits: 2 needed, 0 available"),
    ],
)
def test_permanent_failures(exc: BaseException) -> None:
    assert not classify(exc).transient


def _raised_from(cause: BaseException) -> PermanentError:
    try:
        raise PermanentError("cannot write the story") from cause
    except PermanentError as exc:
        return exc


@pytest.mark.parametrize(
    "exc",
    [
        ProcessFailed("ffmpeg", 1, "av_interleaved_write_frame(): No space left on device"),
        OSError(errno.ENOSPC, "No space left on device"),
        _raised_from(OSError(errno.EDQUOT, "Disk quota exceeded")),
    ],
)
def test_a_full_disk_is_transient_space_may_be_freed(exc: BaseException) -> None:
    assert is_disk_full(exc) and classify(exc).transient
    assert not is_disk_full(ProcessFailed("ffmpeg", 1, "Invalid data found when processing input"))


def test_deferral_carries_the_delay() -> None:
    verdict = classify(DeferredError("quota exceeded", 3600))
    assert (verdict.transient, verdict.retry_after_s) == (True, 3600)


def test_only_a_bounded_deferral_leaves_the_retries_unused() -> None:
    assert classify(DeferredError("HTTP 429", 30)).counted
    bounded = classify(BoundedDeferral("publishing deferred (tiktok)", 86400))
    assert (bounded.transient, bounded.retry_after_s, bounded.counted) == (True, 86400, False)


def test_delays_are_5_10_30_seconds() -> None:
    assert BACKOFF_S == (5.0, 10.0, 30.0)
    assert [retry_delay(done) for done in range(3)] == [5.0, 10.0, 30.0]
    assert [status for status in (400, 404, 408, 429, 499, 500, 503) if is_transient_status(status)] == [
        408,
        429,
        500,
        503,
    ]


def test_a_servers_retry_after_defers_the_stage_retry() -> None:
    backoff = Backoff(attempts=2, sleep=lambda _s: None, rand=lambda: 0.0)

    def busy() -> None:
        raise RetryableError("HTTP 429: quota", retry_after_s=120)

    with pytest.raises(DeferredError) as caught:
        call_with_retries(busy, backoff=backoff, what="images API")
    assert caught.value.retry_after_s == 120 and "HTTP 429" in str(caught.value)

    def down() -> None:
        raise RetryableError("HTTP 503")

    with pytest.raises(TransientError) as plain:
        call_with_retries(down, backoff=backoff, what="images API")
    assert not isinstance(plain.value, DeferredError)

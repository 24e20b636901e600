"""Every provider HTTP attempt has a total deadline: a server trickling its answer (never idle long enough
for a socket timeout) is cut off, the request is tried again, and a provider that stays stalled fails the
stage attempt as transient, so the stage-level retry policy takes over."""

from __future__ import annotations

import time

import pytest

from media_pipeline.errors import TransientError
from media_pipeline.providers.http_api import HttpApi
from media_pipeline.providers.retry import Backoff
from media_pipeline.retry_policy import classify
from media_pipeline_tests.providers.fakeserver import FakeServer, Reply, scripted

STALLED = Reply(200, b'{"ok": true, "padding": "' + b"x" * 200 + b'"}', trickle_s=0.05)
"""About 11 s for the whole body, a byte every 50 ms: no socket timeout ever fires."""
FINE = Reply.json({"ok": True})
NO_WAIT = Backoff(attempts=2, sleep=lambda _s: None)


def test_a_trickling_answer_is_cut_at_the_deadline_and_the_next_try_succeeds() -> None:
    with (
        FakeServer(scripted(STALLED, FINE)) as server,
        HttpApi(server.base_url, name="images", timeout_s=1.0, backoff=NO_WAIT) as api,
    ):
        began = time.monotonic()
        assert api.json("POST", "/v1/images", json={}) == {"ok": True}
        elapsed = time.monotonic() - began
    assert len(server.requests) == 2
    assert 1.0 <= elapsed < 4.0, elapsed


def test_a_provider_that_stays_stalled_fails_the_attempt_as_transient() -> None:
    with (
        FakeServer(scripted(STALLED)) as server,
        HttpApi(server.base_url, name="llm", timeout_s=1.0, backoff=NO_WAIT) as api,
    ):
        began = time.monotonic()
        with pytest.raises(TransientError) as failure:
            api.json("POST", "/v1/chat/completions", json={})
        elapsed = time.monotonic() - began
    assert "deadline" in str(failure.value) and len(server.requests) == 2
    assert elapsed < 5.0, elapsed
    assert classify(failure.value).transient  # the stage is retried by the policy (5, 10, 30 s)

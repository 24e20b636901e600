"""Fixtures for provider tests: settings in a temp dir, a small task and script, images, instant backoff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from media_pipeline.domain import TaskPaths
from media_pipeline.providers.retry import Backoff
from media_pipeline.settings import Settings
from media_pipeline_tests.providers.helpers import TASK_ID


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback fakes must be reached directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def make_settings(tmp_path: Any) -> Callable[..., Settings]:
    """Settings rooted in the test's temp dir, with overrides."""

    def make(**overrides: Any) -> Settings:
        return Settings(data_dir=tmp_path / "var", storage_root=tmp_path / "storage", **overrides)

    return make


@pytest.fixture
def paths(tmp_path: Any) -> TaskPaths:
    return TaskPaths(root=tmp_path / "storage", task_id=TASK_ID)


@pytest.fixture
def sleeps() -> list[float]:
    """Delays requested by a :func:`fast_backoff` (nothing actually sleeps)."""
    return []


@pytest.fixture
def fast_backoff(sleeps: list[float]) -> Backoff:
    return Backoff(attempts=3, sleep=sleeps.append, rand=lambda: 0.0)

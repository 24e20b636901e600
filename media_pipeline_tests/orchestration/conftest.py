"""Fixtures for orchestration tests: an isolated data dir and settings per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.settings import Settings, get_settings
from media_pipeline_tests.orchestration.sensor_support import app_db_resource


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings pointing at a fresh data dir (SQLite app DB, local storage, local publisher)."""
    monkeypatch.setenv("MEDIA_PIPELINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MEDIA_PIPELINE_PUBLISHER", "local")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An ephemeral Dagster instance."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """Settings read again after each test (tests set MEDIA_PIPELINE_* variables)."""
    yield
    get_settings.cache_clear()


@pytest.fixture
def no_long_poll(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dispatch sensor ticks look once unless a test sets a long-poll window."""
    monkeypatch.setenv("MEDIA_PIPELINE_SENSOR_LONG_POLL_S", "0")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> AppDbResource:
    """The app-DB resource of the sensors, on the test's database."""
    return app_db_resource(db_url, tmp_path)

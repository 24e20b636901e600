"""Fixtures for orchestration tests: an isolated data dir and settings per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from media_pipeline.orchestration.resources import AppDbResource
from media_pipeline.settings import Settings
from media_pipeline_tests.conftest import EntryPointEnv
from media_pipeline_tests.orchestration.sensor_support import app_db_resource


@pytest.fixture
def settings(tmp_path: Path, entry_point_env: EntryPointEnv) -> Settings:
    """Settings pointing at a fresh data dir (SQLite app DB, local storage, local publisher); the stages a
    test runs in-process read them too (their Dagster resources read the environment, an entry point)."""
    return entry_point_env.set(data_dir=tmp_path / "var", publisher="local")


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    """An ephemeral Dagster instance."""
    with dg.instance_for_test() as test_instance:
        yield test_instance


@pytest.fixture
def no_long_poll(entry_point_env: EntryPointEnv) -> None:
    """Dispatch sensor ticks look once unless a test sets a long-poll window (the sensors read it from
    their Dagster resource, which reads the environment)."""
    entry_point_env.set(sensor_long_poll_s=0)


@pytest.fixture
def pipeline(db_url: str, tmp_path: Path) -> AppDbResource:
    """The app-DB resource of the sensors, on the test's database."""
    return app_db_resource(db_url, tmp_path)

"""Shared fixtures: fresh app databases on SQLite and PostgreSQL, a controllable clock, store services.

``db_url`` is parametrized over ``sqlite`` and ``postgres`` (marked ``postgres``): every test gets a fresh,
migrated database (a copy of a template migrated once per session). PostgreSQL runs from the machine's
binaries (see ``pgserver``); if they are missing the PostgreSQL tests fail, unless
``MEDIA_PIPELINE_TEST_SKIP_PG=1``.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine

from media_pipeline.settings import PlanLimits, Settings, get_settings
from media_pipeline.store import (
    Housekeeping,
    Owner,
    PipelineState,
    QueueService,
    ScheduleService,
    TaskService,
    make_engine,
    upgrade_db,
)
from media_pipeline_tests.pgserver import PgServer, pg_server
from media_pipeline_tests.providers.fake_images import PaidImagesFake
from media_pipeline_tests.providers.fakeserver import FakeServer
from media_pipeline_tests.s3server import S3Server, s3_server
from media_pipeline_tests.store.support import configuration

SKIP_PG = os.environ.get("MEDIA_PIPELINE_TEST_SKIP_PG") == "1"
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

_database_numbers = itertools.count()
S = TypeVar("S")


class FakeClock:
    """A clock the test moves by hand; pass it as ``clock=`` to the services."""

    def __init__(self, now: datetime = START) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 0, **delta: float) -> datetime:
        """Move forward by ``seconds`` (and/or ``timedelta`` keyword arguments); returns the new time."""
        self.current += timedelta(seconds=seconds, **delta)
        return self.current

    def set(self, now: datetime) -> None:
        """Jump to ``now`` (aware)."""
        self.current = now


# -- databases ------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    """One throwaway PostgreSQL 15 server for the session."""
    if SKIP_PG:
        pytest.skip("MEDIA_PIPELINE_TEST_SKIP_PG=1")
    with pg_server() as server:
        yield server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """One S3-protocol server (moto server mode) on loopback for the session."""
    with s3_server() as server:
        yield server


@pytest.fixture
def s3_bucket(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh private bucket; AWS_* env points at the test server for this test (and its children)."""
    for key, value in s3.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return s3.create_bucket()


@pytest.fixture
def dalle_fake() -> Iterator[tuple[FakeServer, PaidImagesFake]]:
    """A loopback fake of the OpenAI Images API (DALL·E) for this test: its server and recorded state."""
    images = PaidImagesFake()
    with FakeServer(images) as server:
        yield server, images


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PgServer) -> str:
    """A migrated database that per-test databases are copied from."""
    name = "media_pipeline_template"
    upgrade_db(postgres_server.create_database(name))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that per-test databases are copied from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "app.db"
    upgrade_db(f"sqlite:///{path}")
    return path


def _fresh_database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "app.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server: PgServer = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template") if migrated else None
    name = f"test_{os.getpid()}_{next(_database_numbers)}"
    url = server.create_database(name, template=template)
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated app database (SQLite file or PostgreSQL database)."""
    yield from _fresh_database(request, tmp_path, migrated=True)


@pytest.fixture(params=DATABASES)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database without any tables (for migration tests)."""
    yield from _fresh_database(request, tmp_path, migrated=False)


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    """Engine on ``db_url``, disposed after the test."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


# -- services -------------------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    """Time starts at 2030-01-01 12:00 UTC and moves only when the test says so."""
    return FakeClock()


TEST_PLANS = {
    "free": PlanLimits(drafts_per_queue=25, items_per_add=10, runs_per_day=1000),
    "pro": PlanLimits(drafts_per_queue=100, items_per_add=50, runs_per_day=1000),
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with small queue limits (free plan: 10 per add, 25 drafts, 1000 runs a day)."""
    return Settings(data_dir=tmp_path, plans=TEST_PLANS, draft_ttl_days=14)


class EntryPointEnv:
    """``MEDIA_PIPELINE_*`` variables for a test of an entry point that reads its settings from the
    environment (the CLI, the Dagster resources, ``python -m media_pipeline.api``); everything else gets a
    ``Settings`` object from its caller."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch

    def set(self, **values: object) -> Settings:
        """Set ``MEDIA_PIPELINE_<NAME>`` for each value (JSON for lists and dicts) for this test; the
        settings the entry point now reads."""
        for name, value in values.items():
            text = json.dumps(value) if isinstance(value, list | dict) else str(value)
            self._monkeypatch.setenv(f"MEDIA_PIPELINE_{name.upper()}", text)
        get_settings.cache_clear()  # the entry points' settings are read once per process
        return get_settings()


@pytest.fixture
def entry_point_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[EntryPointEnv]:
    """Sets the environment an entry point reads; after the test the next entry point reads it afresh."""
    yield EntryPointEnv(monkeypatch)
    get_settings.cache_clear()


@pytest.fixture
def owner() -> Owner:
    return Owner(user_id="user-1", workspace_id="ws-1")


@pytest.fixture
def other_owner() -> Owner:
    """Same workspace, different user: must not see ``owner``'s rows."""
    return Owner(user_id="user-2", workspace_id="ws-1")


@pytest.fixture
def make_service(db_engine: Engine, clock: FakeClock, settings: Settings) -> Callable[..., Any]:
    """``make_service(ServiceClass, owner)`` on the test database, clock and settings (``settings=``
    overrides the fixture's)."""

    def make(cls: type[S], owner: Owner | None = None, **kwargs: Any) -> S:
        args = (db_engine,) if owner is None else (db_engine, owner)
        config = configuration(cls, kwargs.pop("settings", settings))
        return cls(*args, clock=clock, **config, **kwargs)

    return make


@pytest.fixture
def queue_service(make_service: Callable[..., Any], owner: Owner) -> QueueService:
    return make_service(QueueService, owner)


@pytest.fixture
def task_service(make_service: Callable[..., Any], owner: Owner) -> TaskService:
    return make_service(TaskService, owner)


@pytest.fixture
def schedule_service(make_service: Callable[..., Any], owner: Owner) -> ScheduleService:
    return make_service(ScheduleService, owner)


@pytest.fixture
def pipeline_state(make_service: Callable[..., Any]) -> PipelineState:
    return make_service(PipelineState)


@pytest.fixture
def housekeeping(make_service: Callable[..., Any]) -> Housekeeping:
    return make_service(Housekeeping)

"""A real uvicorn server on 127.0.0.1 (free port, background thread) per test, with httpx clients.

The server runs ``create_app`` on the parametrized ``db_url`` (SQLite and PostgreSQL); tests drive the
pipeline side directly through ``PipelineState`` on the same database.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from media_pipeline.api.app import create_app
from media_pipeline.settings import Settings
from media_pipeline.store import Owner, PipelineState
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.conftest import TEST_PLANS
from media_pipeline_tests.store.support import FakeRunControl

STARTUP_TIMEOUT_S = 15.0
UPLOAD_LIMIT = 64 * 1024


class _Server(uvicorn.Server):
    """A uvicorn server that signals when it is listening."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields the base URL; stops it afterwards."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(
        uvicorn.Config(app, log_config=None, access_log=False, lifespan="on", ws="websockets-sansio")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="api-server", daemon=True)
    thread.start()
    try:
        while not server.ready.wait(0.05):
            if not thread.is_alive():
                raise RuntimeError("the API server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT_S)
        sock.close()


@dataclass
class LiveApi:
    """A running server and what it runs on."""

    base_url: str
    app: FastAPI
    settings: Settings
    db_url: str
    run_control: FakeRunControl

    @property
    def ws_url(self) -> str:
        return "ws" + self.base_url.removeprefix("http")

    def token(self, owner: Owner, **kwargs: Any) -> str:
        return mint_token(owner.user_id, owner.workspace_id, self.settings, **kwargs)

    def client(self, owner: Owner | None = None, **kwargs: Any) -> httpx.Client:
        """A client authenticated as ``owner`` (anonymous if None)."""
        headers = {} if owner is None else {"Authorization": f"Bearer {self.token(owner)}"}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """Small limits: 10 assets per add, 25 drafts (free plan), 64 KiB uploads."""
    return Settings(
        data_dir=tmp_path,
        plans=TEST_PLANS,
        upload_max_bytes=UPLOAD_LIMIT,
        jwt_secret="test-secret-0123456789abcdef0123456789",
    )


@pytest.fixture
def make_api(db_url: str, api_settings: Settings) -> Iterator[Callable[..., LiveApi]]:
    """``make_api(**create_app kwargs)`` starts a server (stopped after the test)."""
    with ExitStack() as stack:

        def make(**kwargs: Any) -> LiveApi:
            run_control = FakeRunControl()
            kwargs.setdefault("run_control_factory", lambda: run_control)
            kwargs.setdefault("progress_poll_s", 0.05)
            app = create_app(api_settings, engine_url=db_url, **kwargs)
            return LiveApi(stack.enter_context(serving(app)), app, api_settings, db_url, run_control)

        yield make


@pytest.fixture
def api(make_api: Callable[..., LiveApi]) -> LiveApi:
    """The server under test."""
    return make_api()


@pytest.fixture
def client(api: LiveApi, owner: Owner) -> Iterator[httpx.Client]:
    """Authenticated as ``owner``."""
    with api.client(owner) as http:
        yield http


@pytest.fixture
def other_client(api: LiveApi, other_owner: Owner) -> Iterator[httpx.Client]:
    """Authenticated as another user of the same workspace."""
    with api.client(other_owner) as http:
        yield http


@pytest.fixture
def pipeline(db_engine: Engine, api_settings: Settings) -> PipelineState:
    """The orchestrator's side of the app DB (real clock, like the server), to move tasks along."""
    return PipelineState(db_engine)

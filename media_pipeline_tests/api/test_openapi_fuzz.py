"""Schemathesis against the live loopback server: valid and invalid requests to every operation of the
OpenAPI document, with a valid token and real queue/video ids, must never produce a server error (5xx),
and every response must be documented (status code, content type and body schema).

The document is built at import (one pytest test per operation); requests go to a live server started
once for the module. (``schemathesis.pytest.from_fixture`` needs a pytest < 9 internal.)
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from media_pipeline.api.app import create_app
from media_pipeline.settings import Settings
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import serving
from media_pipeline_tests.api.support import add_jobs, queue_of, queued_task

MAX_EXAMPLES = 10
SECRET = "fuzz-secret-0123456789abcdef01234"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(
    create_app(Settings(jwt_secret=SECRET), engine_url="sqlite://").openapi()
)


@dataclass(frozen=True)
class Target:
    """The live server and the ids that exist on it."""

    base_url: str
    headers: dict[str, str]
    ids: dict[str, str]


@pytest.fixture(scope="module")
def target(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(sqlite_template, root / "app.db")
    app_settings = Settings(data_dir=root, upload_max_bytes=64 * 1024, jwt_secret=SECRET)
    app = create_app(
        app_settings, engine_url=f"sqlite:///{root / 'app.db'}", run_control_factory=lambda: None
    )
    with serving(app) as base_url:
        headers = {"Authorization": f"Bearer {mint_token('fuzz-user', 'fuzz-ws', app_settings)}"}
        with httpx.Client(base_url=base_url, headers=headers) as client:
            add_jobs(client, ["a", "b"])
            ids = {
                "videoId": queued_task(client, "c"),
                "queueId": queue_of(client)["id"],
                "libraryId": client.post("/api/library", json={"title": "fuzz"}).json()["id"],
            }
        yield Target(base_url, headers, ids)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, target: Target) -> None:
    for name, value in target.ids.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    case.call_and_validate(base_url=target.base_url, headers=target.headers, checks=CHECKS)

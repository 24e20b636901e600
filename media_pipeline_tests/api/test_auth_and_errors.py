"""Bearer auth (401/403), the one error shape (also for unexpected errors: no traceback leaks), request
ids in responses and in the JSON logs."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest

from media_pipeline.api.auth import authenticate
from media_pipeline.api.errors import ApiError
from media_pipeline.logjson import json_handler
from media_pipeline.store import Owner
from media_pipeline.usecases_tokens import mint_token
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _forged(api: LiveApi, secret: str | None = None, **overrides: object) -> str:
    """A token with the given claims changed (None removes a claim), signed with ``secret``."""
    claims = {
        "sub": "user-1",
        "workspace_id": "ws-1",
        "iss": api.settings.jwt_issuer,
        "exp": datetime.now(UTC) + timedelta(hours=1),
        **overrides,
    }
    key = secret or api.settings.jwt_secret.get_secret_value()
    return jwt.encode({name: value for name, value in claims.items() if value is not None}, key, "HS256")


def test_tokens_are_required_and_checked(api: LiveApi) -> None:
    with api.client() as anonymous:
        missing = anonymous.get("/api/queue")
        assert_error(missing, 401, "UNAUTHORIZED")
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        for token in [
            "not-a-jwt",
            _forged(api, secret="another-secret-another-secret-1234"),
            _forged(api, iss="someone-else"),
            _forged(api, exp=datetime.now(UTC) - timedelta(hours=1)),
            _forged(api, workspace_id=None),
            _forged(api, sub="x" * 65),
            jwt.encode({"sub": "u", "workspace_id": "w", "iss": api.settings.jwt_issuer}, "k" * 32, "HS256"),
        ]:
            response = anonymous.get("/api/queue", headers={"Authorization": f"Bearer {token}"})
            assert_error(response, 401, "UNAUTHORIZED")
        assert_error(
            anonymous.get("/api/queue", headers={"Authorization": "Basic dTpw"}), 401, "UNAUTHORIZED"
        )


def test_read_only_tokens_cannot_write(api: LiveApi, owner: Owner) -> None:
    token = api.token(owner, scopes=["read"])
    with httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {token}"}) as reader:
        queue = reader.get("/api/queue")
        assert queue.status_code == 200
        denied = reader.post(f"/api/queue/{queue.json()['id']}/run", json={"version": 1})
        assert assert_error(denied, 403, "FORBIDDEN")["details"] == {"requiredScope": "write"}


def test_minted_tokens_round_trip(api: LiveApi) -> None:
    token = mint_token("alice", "acme", api.settings, ttl_s=60)
    principal = authenticate(token, api.settings)
    assert principal.owner == Owner("alice", "acme") and principal.scopes == {"read", "write"}
    with pytest.raises(ApiError) as caught:
        authenticate(mint_token("alice", "acme", api.settings, ttl_s=-120), api.settings)
    assert (caught.value.http_status, caught.value.message) == (401, "the token has expired")


class _Records(logging.Handler):
    """Keeps every record it handles."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def api_records() -> Iterator[_Records]:
    """Log records of the API loggers (works without pytest's logging plugin, unlike ``caplog``)."""
    handler = _Records()
    logger = logging.getLogger("media_pipeline.api")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_unexpected_errors_are_internal_without_details(
    make_api: Callable[..., LiveApi], owner: Owner, api_records: _Records
) -> None:
    api = make_api()

    def boom() -> None:
        raise RuntimeError("secret database password in here")

    api.app.add_api_route("/boom", boom)
    with api.client(owner) as client:
        response = client.get("/boom", headers={"X-Request-ID": "req-boom-1"})
    body = assert_error(response, 500, "INTERNAL")
    assert body["details"] == {"requestId": "req-boom-1"}
    assert "secret" not in response.text and response.headers["X-Request-ID"] == "req-boom-1"
    assert any(
        "secret database password" in record.getMessage() or record.exc_info for record in api_records.records
    )


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """JSON log lines of the API loggers."""
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("media_pipeline.api")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def test_request_ids_are_returned_and_logged(
    client: httpx.Client, owner: Owner, json_logs: io.StringIO
) -> None:
    given = client.get("/api/queue", headers={"X-Request-ID": "front-end-42"})
    assert given.headers["X-Request-ID"] == "front-end-42"
    generated = client.get("/api/queue", headers={"X-Request-ID": "bad id with spaces"}).headers[
        "X-Request-ID"
    ]
    assert generated != "bad id with spaces" and len(generated) == 32
    assert_error(client.get("/api/v1/videos/t-missing"), 404, "NOT_FOUND")
    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "media_pipeline.api.access"]
    assert [(line["requestId"], line["route"], line["status"]) for line in access] == [
        ("front-end-42", "/api/queue", 200),
        (generated, "/api/queue", 200),
        (access[2]["requestId"], "/api/v1/videos/{videoId}", 404),
    ]
    # every line of a request carries the ids known (seed 004 §8), the video's from the path
    assert all(line["userId"] == owner.user_id for line in access)
    assert [line["videoId"] for line in access] == [None, None, "t-missing"]
    assert all(line["jobId"] is None for line in access)
    assert all(line["duration_ms"] >= 0 and line["method"] == "GET" for line in access)

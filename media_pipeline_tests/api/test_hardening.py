"""Hardening (issue 24 item 7): no start outside development mode without a real JWT secret (also read from
a file); sign-in rate-limited per user and per address (429 + Retry-After, alike for unknown users);
sign-out revokes the token; ``/health`` names role, version, uptime and each dependency; log lines carry
the log context's ids."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from media_pipeline.api.app import create_app
from media_pipeline.api.auth import InsecureSecret
from media_pipeline.logcontext import add_log_fields, log_context
from media_pipeline.logjson import json_handler
from media_pipeline.settings import Settings
from media_pipeline.store.models import RevokedToken
from media_pipeline.store.revoked_tokens import RevokedTokens
from media_pipeline.store.users import UserService
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error

PASSWORD = "a long enough password"
STRONG = "s" * 40


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_production_mode_needs_a_real_secret(tmp_path: Path, db_url: str) -> None:
    for secret in (None, "short-secret"):
        given = {} if secret is None else {"jwt_secret": secret}
        with pytest.raises(InsecureSecret, match="at least 32 characters"):
            create_app(Settings(data_dir=tmp_path, mode="production", **given), engine_url=db_url)
    secret_file = tmp_path / "jwt_secret"
    secret_file.write_text(STRONG + "\n")
    settings = Settings(data_dir=tmp_path, mode="production", jwt_secret_file=secret_file)
    assert settings.jwt_secret.get_secret_value() == STRONG
    create_app(settings, engine_url=db_url)
    create_app(Settings(data_dir=tmp_path), engine_url=db_url)  # development: the built-in secret


def _login(api: LiveApi, username: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{api.base_url}/api/auth/login", json={"username": username, "password": password}, timeout=30
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sign_in_is_rate_limited_per_user_and_address_alike_for_unknown_users(api: LiveApi) -> None:
    UserService(api.db_url).add("alice", PASSWORD)
    limited = {}
    for username in ("alice", "nobody"):
        for _ in range(api.settings.login_max_failures):
            assert _login(api, username, "wrong password").status_code == 401
        limited[username] = _login(api, username, PASSWORD)  # even the right password waits
        body = assert_error(limited[username], 429, "RATE_LIMITED")
        assert 0 < int(limited[username].headers["Retry-After"]) <= api.settings.login_window_s
        assert body["details"]["retryAfterS"] == int(limited[username].headers["Retry-After"])
    assert limited["alice"].json()["message"] == limited["nobody"].json()["message"]
    # the address: 4x the per-user limit over any usernames, then even a fresh username waits
    for number in range(2 * api.settings.login_max_failures):
        assert _login(api, f"user{number}", "wrong password").status_code == 401
    assert_error(_login(api, "someone-new", "wrong password"), 429, "RATE_LIMITED")


def test_sign_out_revokes_only_that_token(api: LiveApi, db_engine: Engine) -> None:
    UserService(api.db_url).add("alice", PASSWORD)
    first, second = (_login(api, "alice", PASSWORD).json()["accessToken"] for _ in range(2))
    with httpx.Client(base_url=api.base_url, headers={"Authorization": f"Bearer {first}"}) as http:
        assert http.get("/api/queue").status_code == 200
        assert http.post("/api/auth/logout").status_code == 204
        assert http.post("/api/auth/logout").status_code == 401  # already signed out
        refused = assert_error(http.get("/api/queue"), 401, "UNAUTHORIZED")
        assert refused["message"] == "the token was signed out"
    assert httpx.get(f"{api.base_url}/api/queue", headers={"Authorization": f"Bearer {second}"}).is_success
    with db_engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(RevokedToken)) == 1


def test_revoked_tokens_are_pruned_after_they_expire(
    make_service: Callable[..., Any], clock: Any, db_engine: Engine
) -> None:
    revoked: RevokedTokens = make_service(RevokedTokens)
    revoked.revoke("old", clock() + timedelta(hours=1))
    revoked.revoke("old", clock() + timedelta(hours=1))  # twice: one entry
    clock.advance(hours=2)
    revoked.revoke("new", clock() + timedelta(hours=1))
    assert (revoked.refusal("old", "u-any"), revoked.refusal("new", "u-any")) == (None, "signed out")
    with db_engine.connect() as connection:
        assert connection.scalars(select(RevokedToken.jti)).all() == ["new"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_health_names_role_version_uptime_and_dependencies(api: LiveApi, monkeypatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    first = httpx.get(f"{api.base_url}/health").json()
    assert (first["role"], first["status"]) == ("api", "ok") and first["version"]
    assert set(first["checks"]) == {"db", "dagster", "storage"}
    assert first["checks"]["storage"] == {
        "status": "ok",
        "storage": "LocalStorage",
        "latencyMs": first["checks"]["storage"]["latencyMs"],
    }
    assert httpx.get(f"{api.base_url}/health").json()["uptimeS"] > first["uptimeS"] >= 0


def test_log_lines_carry_the_context_ids() -> None:
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("media_pipeline.test_logcontext")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("outside")
        with log_context(requestId="r1"):
            add_log_fields(userId="u1", videoId=None)
            with log_context(videoId="t1", jobId="t1-g2"):  # a run inside: the request's ids stay
                logger.info("inside")
            logger.info("after")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    ids = [tuple(line[key] for key in ("requestId", "userId", "videoId", "jobId")) for line in lines]
    assert ids == [(None, None, None, None), ("r1", "u1", "t1", "t1-g2"), ("r1", "u1", None, None)]

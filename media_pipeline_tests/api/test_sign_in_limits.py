"""The sign-in rate limit is kept in the app DB (issue 24, round N, item 4): two API servers on one database
(as ``uvicorn --workers 2`` or two replicas) share it, concurrent failures in several processes all count
(one atomic upsert each), and a key's window ends ``login_window_s`` after its first failure. On SQLite and
PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine, select

from media_pipeline.settings import Settings
from media_pipeline.store.models import SignInLimit
from media_pipeline.store.sign_in_limits import ADDRESS_FACTOR, SignInLimits
from media_pipeline.store.users import UserService
from media_pipeline_tests.api.conftest import LiveApi
from media_pipeline_tests.api.support import assert_error
from media_pipeline_tests.conftest import FakeClock

PASSWORD = "a long enough password"


def _login(api: LiveApi, username: str, password: str) -> httpx.Response:
    return httpx.post(f"{api.base_url}/api/auth/login", json={"username": username, "password": password})


def test_two_api_servers_on_one_database_share_the_limit(make_api: Callable[..., LiveApi]) -> None:
    servers = [make_api(), make_api()]
    UserService(servers[0].db_url).add("alice", PASSWORD)
    limit = servers[0].settings.login_max_failures
    alternating = itertools.cycle(servers)
    for _ in range(limit):  # each server sees only about half of the failures
        assert _login(next(alternating), "alice", "wrong password").status_code == 401
    for server in servers:  # both refuse now, even the right password, alike for an unknown user
        limited = assert_error(_login(server, "alice", PASSWORD), 429, "RATE_LIMITED")
        assert 0 < limited["details"]["retryAfterS"] <= server.settings.login_window_s
    for _ in range(limit):
        assert _login(next(alternating), "nobody", "wrong password").status_code == 401
    unknown = assert_error(_login(servers[1], "nobody", PASSWORD), 429, "RATE_LIMITED")
    assert (
        unknown["message"]
        == assert_error(_login(servers[0], "alice", PASSWORD), 429, "RATE_LIMITED")["message"]
    )


def test_concurrent_failures_in_several_processes_all_count(
    db_url: str, db_engine: Engine, api_settings: Settings
) -> None:
    max_failures, window_s = api_settings.login_max_failures, api_settings.login_window_s
    processes = [  # one engine each
        SignInLimits(db_url, max_failures=max_failures, window_s=window_s) for _ in range(2)
    ]
    attempts = 20
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: processes[n % 2].failed("alice", "127.0.0.1"), range(attempts)))
    with db_engine.connect() as connection:
        counted = dict(connection.execute(select(SignInLimit.key, SignInLimit.failures)).tuples().all())
    assert counted == {"user:alice": attempts, "address:127.0.0.1": attempts}
    assert all(limits.retry_after("ALICE", "::1") is not None for limits in processes)  # names casefold
    assert processes[0].retry_after("bob", "::1") is None


def test_a_window_ends_after_its_first_failure_and_counts_again(
    db_url: str, db_engine: Engine, api_settings: Settings, clock: FakeClock
) -> None:
    limits = SignInLimits(
        db_url,
        max_failures=api_settings.login_max_failures,
        window_s=api_settings.login_window_s,
        clock=clock,
    )
    window_s = api_settings.login_window_s
    for _ in range(api_settings.login_max_failures):
        limits.failed("alice", "10.0.0.1")
        clock.advance(1)
    assert limits.retry_after("alice", "10.0.0.2") == window_s - api_settings.login_max_failures
    clock.advance(window_s)
    assert limits.retry_after("alice", "10.0.0.2") is None
    limits.failed("alice", "10.0.0.3")  # a new window: one failure, and the ended keys are forgotten
    with db_engine.connect() as connection:
        counted = dict(connection.execute(select(SignInLimit.key, SignInLimit.failures)).tuples().all())
    assert counted == {"user:alice": 1, "address:10.0.0.3": 1}
    for number in range(api_settings.login_max_failures * ADDRESS_FACTOR):
        assert limits.retry_after(f"user{number}", "10.0.0.4") is None
        limits.failed(f"user{number}", "10.0.0.4")
    assert limits.retry_after("someone-new", "10.0.0.4") == window_s

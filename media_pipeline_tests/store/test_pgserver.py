"""The throwaway PostgreSQL test server: loopback only, unprivileged, loud when missing."""

from __future__ import annotations

import os
import pwd

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from media_pipeline_tests import pgserver
from media_pipeline_tests.pgserver import PgServer, PostgresUnavailable


def test_missing_binaries_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pgserver, "find_pg_bindir", lambda: None)
    with pytest.raises(PostgresUnavailable, match="MEDIA_PIPELINE_TEST_SKIP_PG=1"):
        pgserver.start_pg_server()


def test_commands_run_as_the_unprivileged_user_when_root() -> None:
    nobody = pwd.getpwnam("nobody")
    command = pgserver._as_user(nobody, ["initdb", "-D", "x"])
    assert command[-3:] == ["initdb", "-D", "x"]
    assert command[0] in ("runuser", "setpriv")
    assert pgserver._as_user(None, ["initdb"]) == ["initdb"]


@pytest.mark.postgres
def test_server_is_loopback_only_fast_and_not_root(postgres_server: PgServer) -> None:
    engine = create_engine(postgres_server.url(), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            names = ("listen_addresses", "fsync", "unix_socket_directories", "server_version")
            settings = {name: connection.execute(text(f"SHOW {name}")).scalar() for name in names}
    finally:
        engine.dispose()
    assert settings["listen_addresses"] == "127.0.0.1"
    assert settings["fsync"] == "off"
    assert settings["unix_socket_directories"] == str(postgres_server.socket_dir)
    assert str(settings["server_version"]).startswith(f"{pgserver.PG_MAJOR}.")
    if os.geteuid() == 0:
        assert postgres_server.data_dir.stat().st_uid != 0

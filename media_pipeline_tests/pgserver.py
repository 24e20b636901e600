"""A throwaway PostgreSQL server for tests, started from the machine's PostgreSQL binaries.

The server lives in a temp dir, listens only on 127.0.0.1 (free port) and a unix socket inside that dir,
runs with fsync off, and is stopped and removed afterwards. PostgreSQL refuses to run as root, so when the
tests run as root the server runs as the ``postgres`` (or ``nobody``) user via ``runuser``/``setpriv``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from media_pipeline_tests.net import free_port

PG_MAJOR = 15
REQUIRED_PROGRAMS = ("initdb", "pg_ctl", "postgres")
SERVER_OPTIONS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "32MB",
}


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries were not found or the server did not start."""


def _has_programs(bindir: Path) -> bool:
    return all(os.access(bindir / program, os.X_OK) for program in REQUIRED_PROGRAMS)


def _pg_config_bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def find_pg_bindir() -> Path | None:
    """Directory holding initdb/pg_ctl/postgres: $MEDIA_PIPELINE_PG_BINDIR, ``pg_config --bindir``,
    /usr/lib/postgresql/15/bin, or the directory ``initdb`` on PATH resolves to."""
    candidates: list[Path | None] = [
        Path(os.environ["MEDIA_PIPELINE_PG_BINDIR"]) if os.environ.get("MEDIA_PIPELINE_PG_BINDIR") else None,
        _pg_config_bindir(),
        Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin"),
    ]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return next((path for path in candidates if path is not None and _has_programs(path)), None)


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged account to run as when we are root (None when not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresUnavailable("running as root but neither a 'postgres' nor a 'nobody' user exists")


def _as_user(user: pwd.struct_passwd | None, argv: Sequence[str]) -> list[str]:
    if user is None:
        return list(argv)
    if shutil.which("runuser"):
        return ["runuser", "-u", user.pw_name, "--", *argv]
    if shutil.which("setpriv"):
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups", "--", *argv]
    raise PostgresUnavailable("running as root but neither runuser nor setpriv is available")


@dataclass
class PgServer:
    """A running throwaway server; ``url(db)`` gives a ``postgresql+psycopg2://`` URL."""

    bindir: Path
    base_dir: Path
    port: int
    user: pwd.struct_passwd | None
    superuser: str = "postgres"

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` over TCP on loopback."""
        return f"postgresql+psycopg2://{self.superuser}@127.0.0.1:{self.port}/{database}"

    def execute(self, *statements: str) -> None:
        """Run statements outside a transaction (CREATE/DROP DATABASE) on the ``postgres`` database."""
        engine = create_engine(self.url(), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(text(statement))
        finally:
            engine.dispose()

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (optionally copied from ``template``); returns its URL."""
        suffix = f' TEMPLATE "{template}"' if template else ""
        self.execute(f'CREATE DATABASE "{name}"{suffix}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, disconnecting any remaining sessions."""
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = _as_user(self.user, argv)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        return subprocess.run(
            command, cwd=self.base_dir, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data_dir), *args)

    def start(self) -> None:
        """initdb and start; PostgresUnavailable with the server log on failure."""
        result = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.superuser,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if result.returncode != 0:
            raise PostgresUnavailable(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        self.resume()

    def resume(self) -> None:
        """Start the initialised server (again, after :meth:`shut_down`)."""
        options = {**SERVER_OPTIONS, "port": str(self.port), "unix_socket_directories": str(self.socket_dir)}
        option_string = " ".join(f"-c {key}={value}" for key, value in options.items())
        result = self._pg_ctl("-l", str(self.log_file), "-w", "-t", "60", "-o", option_string, "start")
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed:\n{result.stdout}\n{result.stderr}\n{log}")

    def shut_down(self) -> None:
        """Stop the server keeping its data (``fast``: clients are disconnected), to :meth:`resume` later."""
        result = self._pg_ctl("-m", "fast", "-w", "-t", "60", "stop")
        if result.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl stop failed:\n{result.stdout}\n{result.stderr}")

    def stop(self) -> None:
        """Stop the server (immediate: its data is thrown away)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "-w", "-t", "30", "stop")


def start_pg_server(parent: Path | None = None, attempts: int = 3) -> PgServer:
    """Start a throwaway server in a new temp dir under ``parent``; PostgresUnavailable if impossible."""
    bindir = find_pg_bindir()
    if bindir is None:
        raise PostgresUnavailable(
            f"PostgreSQL {PG_MAJOR} binaries (initdb, pg_ctl, postgres) not found; install "
            f"postgresql-{PG_MAJOR} or set MEDIA_PIPELINE_PG_BINDIR "
            "(or MEDIA_PIPELINE_TEST_SKIP_PG=1 to skip the PostgreSQL tests)"
        )
    user = _server_user()
    last_error: PostgresUnavailable | None = None
    for _ in range(attempts):  # the free port may be taken between probing and binding
        base_dir = Path(tempfile.mkdtemp(prefix="mp-pg-", dir=parent))
        (base_dir / "sock").mkdir()
        if user is not None:
            for path in (base_dir, base_dir / "sock"):
                os.chown(path, user.pw_uid, user.pw_gid)
        server = PgServer(bindir=bindir, base_dir=base_dir, port=free_port(), user=user)
        try:
            server.start()
            return server
        except PostgresUnavailable as exc:
            last_error = exc
            server.stop()
            shutil.rmtree(base_dir, ignore_errors=True)
    assert last_error is not None
    raise last_error


@contextlib.contextmanager
def pg_server(parent: Path | None = None) -> Iterator[PgServer]:
    """A running throwaway server, stopped and removed on exit."""
    server = start_pg_server(parent)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.base_dir, ignore_errors=True)

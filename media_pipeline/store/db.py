"""Engines, sessions and migrations of the app database (SQLite by default, PostgreSQL supported).

Alembic is imported only by the functions that migrate or read revisions, so processes that just use the
database (a stage run's worker, the sensors) do not load it for this module.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY: Final = "media_pipeline_read_only"
"""Execution option: on SQLite, begin with a deferred (shared) transaction instead of BEGIN IMMEDIATE."""

_MIGRATION_LOCK_KEY = zlib.crc32(b"media_pipeline.store.migrations")
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A new engine for ``url`` tuned for the app.

    SQLite: WAL journal, foreign keys on, busy timeout, and every read-write transaction opened with
    ``BEGIN IMMEDIATE`` (writers queue on the busy timeout instead of failing with "database is locked"
    when a read turns into a write). PostgreSQL: ``pool_pre_ping``; with psycopg2, batched executemany of
    UPDATE/DELETE (``executemany_mode="values_plus_batch"``).
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        if sa_url.database and sa_url.database != ":memory:" and not sa_url.database.startswith("file:"):
            Path(sa_url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if sa_url.get_driver_name() == "psycopg2":
        # UPDATE/DELETE executemany (e.g. the ORM writing many changed rows) in pages of 100 statements per
        # round trip (psycopg2's execute_batch) instead of one round trip per row; INSERTs are batched by
        # SQLAlchemy's insertmanyvalues either way. Such executemany results have no rowcount.
        kwargs.setdefault("executemany_mode", "values_plus_batch")
    return create_engine(sa_url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if engine.url.database not in (None, "", ":memory:"):
                _use_wal(cursor)
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _use_wal(cursor: Any) -> None:
    """Switch the database file to WAL (persistent in the file) unless it already is.

    Changing the journal mode needs the database to itself and SQLite does not wait on the busy timeout
    for it, so a new connection racing another's first transaction on a fresh file would fail with
    "database is locked". Read the mode first (WAL already set: nothing to do) and retry the switch until
    the busy timeout while another connection holds the file.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)  # back off while the other connection finishes its transaction
        delay = min(delay * 2, 0.2)


def resolve_engine(engine_or_url: Engine | str) -> Engine:
    """``engine_or_url`` itself, or one shared engine per URL (created on first use)."""
    if isinstance(engine_or_url, Engine):
        return engine_or_url
    with _engines_lock:
        engine = _engines.get(engine_or_url)
        if engine is None:
            engine = _engines[engine_or_url] = make_engine(engine_or_url)
        return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def read_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for queries only: one consistent snapshot without taking SQLite's write lock."""
    with factory() as session:
        session.connection(execution_options={READ_ONLY: True})
        try:
            yield session
        finally:
            session.rollback()


@contextmanager
def read_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for Core queries only, like ``read_session`` (one snapshot without taking SQLite's
    write lock; rolled back on exit) but without an ORM session's CPU."""
    with engine.connect() as connection:
        yield connection.execution_options(**{READ_ONLY: True})


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    return config


def upgrade_db(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``; idempotent and safe to call on every start, even from
    several processes at once (PostgreSQL: advisory lock; SQLite: the immediate transaction)."""
    from alembic import command

    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        if isinstance(engine_or_url, str):
            engine.dispose()


_migrated: set[str] = set()
_migrated_lock = threading.Lock()


def ensure_migrated(url: str) -> None:
    """Migrate ``url`` to the head revision if it is not there yet, checked once per process (process
    entry points and Dagster resource setup call it). A database already at head costs one read of its
    version table: no migration runs and no write lock is taken (e.g. in every stage run's worker)."""
    with _migrated_lock:
        if url not in _migrated:
            if current_revision(resolve_engine(url)) != head_revision():
                upgrade_db(url)
            _migrated.add(url)


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at (None if never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.execution_options(**{READ_ONLY: True}).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest migration revision this code ships (what ``upgrade_db`` migrates to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # the package always ships migrations
    return head

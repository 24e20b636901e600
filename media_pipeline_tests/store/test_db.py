"""Engine setup, migrations and column types on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from media_pipeline.domain.models import TASK_ID_PATTERN
from media_pipeline.store import make_engine, upgrade_db
from media_pipeline.store.db import (
    alembic_config,
    current_revision,
    ensure_migrated,
    read_session,
    resolve_engine,
    session_factory,
)
from media_pipeline.store.ids import new_task_id
from media_pipeline.store.models import Base, Queue, Task, TaskStageState

HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_upgrade_is_idempotent_and_safe_concurrently(empty_db_url: str) -> None:
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            upgrade_db(empty_db_url)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    upgrade_db(empty_db_url)  # again: a no-op

    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert {table.name for table in Base.metadata.sorted_tables} <= tables
    finally:
        engine.dispose()


def test_migrations_match_the_models(db_engine: Engine) -> None:
    with db_engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_sqlite_engine_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    finally:
        engine.dispose()


def test_sqlite_reads_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    upgrade_db(url)
    engine = make_engine(url, connect_args={"timeout": 0.2})
    try:
        factory = session_factory(engine)
        with factory.begin() as writer:
            writer.execute(text("UPDATE queues SET name = 'x'"))  # holds the write lock (BEGIN IMMEDIATE)
            with read_session(factory) as reader:
                assert reader.scalars(select(Queue)).all() == []
    finally:
        engine.dispose()


def test_postgres_engine_pre_pings() -> None:
    engine = make_engine("postgresql+psycopg2://u@127.0.0.1:1/db")
    assert engine.pool._pre_ping  # type: ignore[attr-defined]
    engine.dispose()


def _queue(**overrides: object) -> Queue:
    now = datetime.now(UTC)
    values = {
        "id": "q1",
        "user_id": "u",
        "workspace_id": "w",
        "name": "Default Queue",
        "is_default": True,
        "default_options": {},
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    return Queue(**{**values, **overrides})


def _task(task_id: str, status: str = "draft", asset_id: str = "a") -> Task:
    return Task(
        id=task_id,
        user_id="u",
        workspace_id="w",
        queue_id="q1",
        title=task_id,
        type="shortform",
        settings={},
        status=status,
        asset_id=asset_id,
    )


def test_times_are_stored_as_instants_and_read_back_as_utc(db_engine: Engine) -> None:
    seoul_noon = datetime(2030, 5, 1, 12, 0, tzinfo=timezone(timedelta(hours=9)))
    factory = session_factory(db_engine)
    with factory.begin() as session:
        session.add(_queue(created_at=seoul_noon))
    with factory() as session:
        created = session.scalars(select(Queue.created_at)).one()
        assert created == seoul_noon
        assert created.tzinfo == UTC
        assert created.hour == 3
        earlier = session.scalars(
            select(Queue.id).where(Queue.created_at < seoul_noon + timedelta(seconds=1))
        )
        assert earlier.all() == ["q1"]


def test_naive_datetimes_are_refused(db_engine: Engine) -> None:
    factory = session_factory(db_engine)
    with pytest.raises(StatementError, match="naive datetime"), factory.begin() as session:
        session.add(_queue(created_at=datetime(2030, 1, 1)))


def test_one_draft_per_queue_and_asset(db_engine: Engine) -> None:
    factory = session_factory(db_engine)
    with factory.begin() as session:
        session.add(_queue())
        session.flush()
        session.add(_task("t1"))
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.add(_task("t2"))
    with factory.begin() as session:
        session.get(Task, "t1").status = "queued"
    with factory.begin() as session:
        session.add(_task("t2"))  # the asset may be drafted again once the first left the draft state


def test_at_most_one_processing_stage_per_task(db_engine: Engine) -> None:
    factory = session_factory(db_engine)
    with factory.begin() as session:
        session.add(_queue())
        session.flush()
        session.add(_task("t1", status="running"))
        session.flush()
        session.add(TaskStageState(task_id="t1", generation=1, stage="script", status="processing"))
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.add(TaskStageState(task_id="t1", generation=1, stage="images", status="processing"))


def test_task_ids_are_valid_partition_keys() -> None:
    ids = {new_task_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(
        re.fullmatch(TASK_ID_PATTERN, task_id) and re.fullmatch(r"t[0-9a-f]{12}", task_id) for task_id in ids
    )


def test_ensure_migrated_migrates_a_database_behind_head(empty_db_url: str) -> None:
    ensure_migrated(empty_db_url)
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_ensure_migrated_on_a_database_at_head_takes_no_write_lock(tmp_path: Path) -> None:
    # A stage run's worker (Dagster resource setup) calls ensure_migrated on an up-to-date database while
    # other processes write: it must only read the revision, never queue for the write lock to migrate.
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade_db(url)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    reader = resolve_engine(url)  # the engine ensure_migrated reads with
    writer = make_engine(url)
    try:
        with writer.begin() as connection:  # BEGIN IMMEDIATE: holds SQLite's write lock
            connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            event.listen(reader, "before_cursor_execute", record)
            try:
                ensure_migrated(url)  # would wait for the lock (then fail) if it began a write transaction
            finally:
                event.remove(reader, "before_cursor_execute", record)
    finally:
        writer.dispose()
    assert current_revision(reader) == HEAD
    assert any("alembic_version" in statement for statement in statements), statements
    assert not any(statement.startswith("BEGIN IMMEDIATE") for statement in statements), statements

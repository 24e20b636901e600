"""Shared plumbing of the services: engine, sessions, clock, owner scoping, and the settings of the services
that read any (passed in by their caller: the store never reads the environment, docs/ARCHITECTURE.md §1)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, Select, select
from sqlalchemy.orm import Session

from media_pipeline.settings import Settings
from media_pipeline.store.clock import Clock, as_utc, utcnow
from media_pipeline.store.db import read_session, resolve_engine, session_factory
from media_pipeline.store.errors import NotFoundError
from media_pipeline.store.models import Content, Task, TaskLog, TaskSchedule
from media_pipeline.store.owner import Owner
from media_pipeline.store.queries import owned_by

M = TypeVar("M", Content, TaskLog, TaskSchedule)


class StoreBase:
    """Engine + session factory + clock; write transactions commit on success and roll back on error."""

    def __init__(self, engine_or_url: Engine | str, *, clock: Clock | None = None) -> None:
        self.engine = resolve_engine(engine_or_url)
        self._sessions = session_factory(self.engine)
        self._clock = clock or utcnow

    def now(self) -> datetime:
        """The current time (aware UTC) from this service's clock."""
        return as_utc(self._clock())

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _read(self) -> AbstractContextManager[Session]:
        return read_session(self._sessions)


class ConfiguredStore(StoreBase):
    """A service that reads settings (plan limits, expiry times, intervals): its caller passes them."""

    def __init__(
        self, engine_or_url: Engine | str, *, settings: Settings, clock: Clock | None = None
    ) -> None:
        super().__init__(engine_or_url, clock=clock)
        self._settings = settings


def dedupe(values: Sequence[str]) -> list[str]:
    """``values`` without repeats, first occurrence order kept."""
    return list(dict.fromkeys(values))


class OwnedService(StoreBase):
    """A service bound to one owner: every row it touches belongs to ``owner``."""

    def __init__(
        self,
        engine_or_url: Engine | str,
        owner: Owner,
        *,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(engine_or_url, clock=clock)
        self.owner = owner

    def _owned(self) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        """WHERE conditions limiting ``Task`` rows to this service's owner."""
        return owned_by(self.owner)

    def _owned_tasks(self) -> Select[Task]:
        return select(Task).where(*self._owned())

    def _owned_rows(self, model: type[M]) -> Select[M]:
        """Rows of ``model`` (a table with a ``task_id`` column) that belong to the owner's tasks."""
        return select(model).join(Task, Task.id == model.task_id).where(*self._owned())

    def _task(self, session: Session, task_id: str, *, lock: bool = False) -> Task:
        """The owner's task ``task_id`` (row-locked if ``lock``); NotFoundError otherwise."""
        stmt = self._owned_tasks().where(Task.id == task_id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        task = session.scalars(stmt).first()
        if task is None:
            raise NotFoundError(f"task {task_id!r} not found", {"taskId": task_id})
        return task

    def _tasks(
        self, session: Session, task_ids: Sequence[str], *, lock: bool = False, **filters: Any
    ) -> list[Task]:
        """The owner's tasks in ``task_ids`` order; NotFoundError listing any that do not exist."""
        stmt = self._owned_tasks().where(Task.id.in_(task_ids)).filter_by(**filters).order_by(Task.id)
        if lock:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        found = {task.id: task for task in session.scalars(stmt)}
        missing = [task_id for task_id in task_ids if task_id not in found]
        if missing:
            raise NotFoundError(f"{len(missing)} task(s) not found", {"taskIds": missing})
        return [found[task_id] for task_id in task_ids]


class ConfiguredOwnedService(OwnedService):
    """An owner's service that reads settings (plan limits, draft expiry, storage): its caller passes them."""

    def __init__(
        self, engine_or_url: Engine | str, owner: Owner, *, settings: Settings, clock: Clock | None = None
    ) -> None:
        super().__init__(engine_or_url, owner, clock=clock)
        self._settings = settings

"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from media_pipeline.store.clock import as_utc

E = TypeVar("E", bound=StrEnum)

JSONType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; ``timestamptz`` on PostgreSQL, naive UTC text on SQLite.

    Naive datetimes are refused on the way in, so every stored time means the same instant and
    SQL comparisons (``next_retry_at <= :now``) are consistent on both databases.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StampDateTime(UTCDateTime):
    """A ``UTCDateTime`` the ORM writes whenever it is assigned, even when the value equals the loaded one.

    The ORM leaves an unchanged value out of the UPDATE, which lets the column's ``onupdate`` replace it;
    for ``updated_at`` that would put the wall clock over the service's clock. With no value ever equal,
    the service's ``updated_at`` always wins and ``onupdate`` only stamps writes that do not set it.
    """

    cache_ok = True

    def compare_values(self, x: Any, y: Any) -> bool:
        return False


class StrEnumType(TypeDecorator[E]):
    """A ``StrEnum`` stored as VARCHAR (the allowed values are enforced by CHECK constraints)."""

    impl = String
    cache_ok = True

    def __init__(self, enum_cls: type[E], length: int = 16) -> None:
        super().__init__(length)
        self.enum_cls = enum_cls

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_cls(value)

"""Repeat arithmetic of schedules: occurrences at a local wall-clock time in the schedule's time zone.

Rules (docs/ARCHITECTURE.md §3, invariant 7):

* Every occurrence is at the anchor's local time of day (``scheduled_time`` seen in the time zone).
* ``monthly`` keeps the anchor's day of month and clamps it to the month's length, so an anchor on
  Jan 31 gives Feb 28 (Feb 29 in leap years), then Mar 31 again.
* A local time that does not exist (DST spring-forward gap) runs that many minutes later
  (02:30 in a 02:00->03:00 gap runs at 03:30); a local time that exists twice (fall-back overlap) runs once,
  at its first occurrence.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from media_pipeline.store.clock import as_utc
from media_pipeline.store.enums import Repeat

_MAX_DAYS = 366 * 2


class RepeatConfig(BaseModel):
    """Extra repeat settings: ``weekdays`` (0 = Monday) for weekly, ``dayOfMonth`` for monthly.

    Unset values default to the anchor's weekday / day of month.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1, max_length=7)] | None = (
        None
    )
    day_of_month: Annotated[int, Field(ge=1, le=31)] | None = Field(default=None, alias="dayOfMonth")

    @field_validator("weekdays")
    @classmethod
    def _sorted_unique(cls, value: list[int] | None) -> list[int] | None:
        return None if value is None else sorted(set(value))

    @classmethod
    def parse(cls, data: dict[str, Any] | Self | None) -> Self:
        """A config from JSON (or an existing config, or None for defaults)."""
        if isinstance(data, cls):
            return data
        return cls.model_validate(data or {})


def zone(name: str | ZoneInfo) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError if unknown."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant of wall-clock ``day`` + ``at`` in ``tz`` (gap: shifted forward; overlap: first)."""
    return datetime.combine(day, at, tzinfo=tz).replace(fold=0).astimezone(UTC)


def _days_from(start: date) -> Iterator[date]:
    for offset in range(_MAX_DAYS):
        yield start + timedelta(days=offset)


def _months_from(start: date, day_of_month: int) -> Iterator[date]:
    year, month = start.year, start.month
    for _ in range(_MAX_DAYS // 28):
        last = calendar.monthrange(year, month)[1]
        yield date(year, month, min(day_of_month, last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def candidate_days(repeat: Repeat, anchor_day: date, start: date, config: RepeatConfig) -> Iterator[date]:
    """Local days on which the schedule runs, from the month/day ``start`` on (ascending)."""
    if repeat is Repeat.MONTHLY:
        yield from _months_from(start, config.day_of_month or anchor_day.day)
        return
    weekdays = set(config.weekdays or [anchor_day.weekday()]) if repeat is Repeat.WEEKLY else None
    for day in _days_from(start):
        if weekdays is None or day.weekday() in weekdays:
            yield day


def next_occurrence(
    anchor: datetime,
    repeat: Repeat | str,
    time_zone: str | ZoneInfo,
    after: datetime,
    config: RepeatConfig | dict[str, Any] | None = None,
) -> datetime | None:
    """The first occurrence strictly after ``after`` and not before ``anchor`` (aware UTC), or None.

    ``anchor`` is the schedule's first time (its local time of day and day of month are kept);
    ``once`` has the anchor as its only occurrence.
    """
    anchor, after, repeat = as_utc(anchor), as_utc(after), Repeat(repeat)
    if repeat is Repeat.ONCE:
        return anchor if anchor > after else None
    tz = zone(time_zone)
    anchor_local = anchor.astimezone(tz)
    at = anchor_local.time().replace(tzinfo=None, fold=0)
    start = max(anchor_local.date(), after.astimezone(tz).date())
    for day in candidate_days(repeat, anchor_local.date(), start, RepeatConfig.parse(config)):
        candidate = local_to_utc(day, at, tz)
        if candidate > after and candidate >= anchor:
            return candidate
    return None

"""Repeat arithmetic: local wall-clock times in the schedule's zone, month-end clamping, DST (invariant 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from media_pipeline.store import Repeat, RepeatConfig, next_occurrence

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SEOUL = ZoneInfo("Asia/Seoul")


def occurrences(
    anchor: datetime, repeat: str, tz: str, count: int, config: dict | None = None
) -> list[datetime]:
    """The first ``count`` occurrences (starting with the anchor's own, if it is one)."""
    found: list[datetime] = []
    after = anchor - timedelta(microseconds=1)
    for _ in range(count):
        upcoming = next_occurrence(anchor, repeat, tz, after, config)
        assert upcoming is not None
        assert upcoming.tzinfo == UTC
        found.append(upcoming)
        after = upcoming
    return found


def local(values: list[datetime], tz: ZoneInfo) -> list[str]:
    return [value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") for value in values]


def test_once_has_only_the_anchor() -> None:
    anchor = datetime(2030, 1, 1, 9, tzinfo=UTC)
    assert next_occurrence(anchor, Repeat.ONCE, "UTC", anchor - timedelta(hours=1)) == anchor
    assert next_occurrence(anchor, "once", "UTC", anchor) is None


def test_daily_keeps_the_local_time() -> None:
    anchor = datetime(2030, 1, 30, 9, 15, tzinfo=SEOUL)
    assert local(occurrences(anchor, "daily", "Asia/Seoul", 3), SEOUL) == [
        "2030-01-30 09:15 KST",
        "2030-01-31 09:15 KST",
        "2030-02-01 09:15 KST",
    ]


def test_next_occurrence_skips_missed_ones() -> None:
    anchor = datetime(2030, 1, 1, 9, tzinfo=UTC)
    after = datetime(2030, 3, 10, 12, tzinfo=UTC)
    assert next_occurrence(anchor, "daily", "UTC", after) == datetime(2030, 3, 11, 9, tzinfo=UTC)


def test_weekly_on_chosen_weekdays() -> None:
    anchor = datetime(2030, 1, 7, 18, 0, tzinfo=NEW_YORK)  # a Monday
    found = occurrences(anchor, "weekly", "America/New_York", 4, {"weekdays": [4, 0]})  # Mon, Fri
    assert local(found, NEW_YORK) == [
        "2030-01-07 18:00 EST",
        "2030-01-11 18:00 EST",
        "2030-01-14 18:00 EST",
        "2030-01-18 18:00 EST",
    ]
    default = occurrences(anchor, "weekly", "America/New_York", 2)
    assert default[1] - default[0] == timedelta(days=7)


def test_weekly_first_occurrence_may_follow_the_anchor_day() -> None:
    anchor = datetime(2030, 1, 7, 8, tzinfo=UTC)  # Monday
    assert occurrences(anchor, "weekly", "UTC", 1, {"weekdays": [2]}) == [datetime(2030, 1, 9, 8, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("year", "february"),
    [(2028, "2028-02-29 10:00 UTC"), (2027, "2027-02-28 10:00 UTC")],
)
def test_monthly_on_the_31st_clamps_to_month_end_and_keeps_the_anchor_day(year: int, february: str) -> None:
    anchor = datetime(year, 1, 31, 10, tzinfo=UTC)
    found = local(occurrences(anchor, "monthly", "UTC", 4), ZoneInfo("UTC"))
    assert found == [
        f"{year}-01-31 10:00 UTC",
        february,
        f"{year}-03-31 10:00 UTC",
        f"{year}-04-30 10:00 UTC",
    ]


def test_monthly_in_seoul_follows_the_local_day_not_the_utc_day() -> None:
    anchor = datetime(2027, 1, 31, 8, 0, tzinfo=SEOUL)  # 2027-01-30 23:00 UTC
    found = occurrences(anchor, "monthly", "Asia/Seoul", 3)
    assert local(found, SEOUL) == ["2027-01-31 08:00 KST", "2027-02-28 08:00 KST", "2027-03-31 08:00 KST"]
    assert found[1] == datetime(2027, 2, 27, 23, 0, tzinfo=UTC)


def test_monthly_with_a_configured_day() -> None:
    anchor = datetime(2030, 1, 5, 7, tzinfo=UTC)
    found = occurrences(anchor, "monthly", "UTC", 3, {"dayOfMonth": 30})
    assert [value.date().isoformat() for value in found] == ["2030-01-30", "2030-02-28", "2030-03-30"]


def test_daily_across_spring_forward_keeps_wall_clock_time_new_york() -> None:
    anchor = datetime(2024, 3, 9, 9, 0, tzinfo=NEW_YORK)
    found = occurrences(anchor, "daily", "America/New_York", 3)
    assert local(found, NEW_YORK) == ["2024-03-09 09:00 EST", "2024-03-10 09:00 EDT", "2024-03-11 09:00 EDT"]
    assert found[1] - found[0] == timedelta(hours=23)


@pytest.mark.parametrize(
    ("tz", "anchor", "expected"),
    [
        (
            NEW_YORK,
            datetime(2024, 3, 9, 2, 30),
            ["2024-03-09 02:30 EST", "2024-03-10 03:30 EDT", "2024-03-11 02:30 EDT"],
        ),
        (
            BERLIN,
            datetime(2024, 3, 30, 2, 30),
            ["2024-03-30 02:30 CET", "2024-03-31 03:30 CEST", "2024-04-01 02:30 CEST"],
        ),
    ],
)
def test_a_time_in_the_spring_forward_gap_runs_after_the_gap(
    tz: ZoneInfo, anchor: datetime, expected: list[str]
) -> None:
    assert local(occurrences(anchor.replace(tzinfo=tz), "daily", str(tz), 3), tz) == expected


@pytest.mark.parametrize(
    ("tz", "anchor", "expected"),
    [
        (
            NEW_YORK,
            datetime(2024, 11, 2, 1, 30),
            ["2024-11-02 01:30 EDT", "2024-11-03 01:30 EDT", "2024-11-04 01:30 EST"],
        ),
        (
            BERLIN,
            datetime(2024, 10, 26, 2, 30),
            ["2024-10-26 02:30 CEST", "2024-10-27 02:30 CEST", "2024-10-28 02:30 CET"],
        ),
    ],
)
def test_a_time_in_the_fall_back_overlap_runs_once(
    tz: ZoneInfo, anchor: datetime, expected: list[str]
) -> None:
    assert local(occurrences(anchor.replace(tzinfo=tz), "daily", str(tz), 3), tz) == expected


def test_weekly_across_fall_back_berlin() -> None:
    anchor = datetime(2024, 10, 20, 12, 0, tzinfo=BERLIN)  # Sunday
    found = occurrences(anchor, "weekly", "Europe/Berlin", 2)
    assert local(found, BERLIN) == ["2024-10-20 12:00 CEST", "2024-10-27 12:00 CET"]
    assert found[1] - found[0] == timedelta(days=7, hours=1)


def test_invalid_inputs() -> None:
    anchor = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        next_occurrence(anchor, "daily", "Mars/Olympus", anchor)
    with pytest.raises(ValueError, match="naive"):
        next_occurrence(datetime(2030, 1, 1), "daily", "UTC", anchor)
    with pytest.raises(ValueError):
        next_occurrence(anchor, "hourly", "UTC", anchor)
    with pytest.raises(ValidationError):
        RepeatConfig.model_validate({"weekdays": [7]})
    with pytest.raises(ValidationError):
        RepeatConfig.model_validate({"dayOfMonth": 0})
    assert RepeatConfig.model_validate({"weekdays": [3, 1, 3]}).weekdays == [1, 3]

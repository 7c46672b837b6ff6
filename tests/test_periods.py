"""--since/--until: dates are whole days, datetimes half-open, spans count back from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from micromacro.errors import UsageError
from micromacro.periods import Period, parse_period, parse_timezone
from micromacro.timespans import parse_duration

PARIS_WINTER = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)


def test_a_date_covers_the_whole_day_in_the_report_time_zone() -> None:
    period = parse_period("2026-11-02", "2026-11-02", tz=PARIS_WINTER, now=NOW)
    assert period == Period(
        datetime(2026, 11, 1, 23, 0, tzinfo=UTC), datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    )


def test_datetimes_are_half_open_and_naive_ones_use_the_time_zone() -> None:
    period = parse_period("2026-11-02T09:00", "2026-11-02T10:00:00+00:00", tz=PARIS_WINTER, now=NOW)
    assert period == Period(
        datetime(2026, 11, 2, 8, 0, tzinfo=UTC), datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    )


def test_relative_spans_yesterday_and_today() -> None:
    assert parse_period("7d", None, tz=UTC, now=NOW).since == NOW - timedelta(days=7)
    assert parse_period("12h", None, tz=UTC, now=NOW).since == NOW - timedelta(hours=12)
    yesterday = parse_period("yesterday", "yesterday", tz=UTC, now=NOW)
    assert yesterday == Period(
        datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)
    )
    assert parse_period("today", None, tz=UTC, now=NOW).since == datetime(2026, 11, 23, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("last week", None, "cannot read 'last week'"),
        ("2026-13-01", None, "not a valid date"),
        ("2026-11-03", "2026-11-02", "must be before"),
    ],
)
def test_bad_periods_are_usage_errors(since: str, until: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_period(since, until, tz=UTC, now=NOW)


@pytest.mark.parametrize(
    ("text", "offset"),
    [("UTC", timedelta(0)), ("+0100", timedelta(hours=1)), ("-05:30", timedelta(hours=-5.5))],
)
def test_time_zones_as_offsets(text: str, offset: timedelta) -> None:
    assert parse_timezone(text).utcoffset(None) == offset


def test_time_zone_names_and_unknown_ones() -> None:
    paris = parse_timezone("Europe/Paris")
    assert paris.utcoffset(datetime(2026, 7, 1)) == timedelta(hours=2)
    with pytest.raises(UsageError, match="unknown time zone 'Mars/Olympus'"):
        parse_timezone("Mars/Olympus")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("1.5h", 5400.0), (45, 45.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-3", "m5", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)  # type: ignore[arg-type]

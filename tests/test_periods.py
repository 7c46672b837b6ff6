"""--since/--until: dates are whole days, datetimes half-open, spans count back from now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from click.testing import CliRunner

from micromacro.cli import cli
from micromacro.errors import UsageError
from micromacro.periods import (
    EARLIEST,
    LATEST,
    Period,
    comparison_period,
    comparison_warning,
    in_supported_range,
    parse_bound,
    parse_period,
    parse_timezone,
)
from micromacro.timespans import MAX_DURATION_S, parse_duration

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
        # ISO 8601's basic and week dates, and a time after another separator, would be read
        # as an instant where a day is meant: refused
        ("20261102", "20261102", "cannot read '20261102'"),
        ("2026-W45", None, "cannot read '2026-W45'"),
        ("2026-W45-7", None, "cannot read '2026-W45-7'"),
        ("2026-11-02_09:00", None, "cannot read '2026-11-02_09:00'"),
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
    with pytest.raises(UsageError) as long_one:  # a line pasted where a zone goes: cut
        parse_timezone("Europe/" + "x" * 5000)
    assert str(long_one.value) == (
        f"unknown time zone 'Europe/{'x' * 70}…' (expected UTC, an offset like +01:00, "
        "or a name like Europe/Paris)"
    )


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


def test_a_capital_m_is_no_minute_nor_a_month() -> None:
    """1M read as a minute: --since 1M reported on the last minute, within: 1M in a funnel
    allowed a minute; a month was meant. Other units are the same in capitals."""
    assert parse_duration("2H") == parse_duration("2h")
    with pytest.raises(ValueError, match=r"^'1M': write m for minutes; a month is no fixed "):
        parse_duration("1M")
    since = CliRunner().invoke(cli, ["report", "sample_logs/access.log", "--since", "1M"])
    assert (since.exit_code, since.stderr) == (
        2,
        "micromacro: error: --since: '1M': write m for minutes; a month is no fixed length "
        "(write days: 30d)\n",
    )


# --- the supported range ------------------------------------------------------------------------

RANGE = "(times from 0001-01-02 to 9999-12-30 UTC only)"


def test_the_supported_range() -> None:
    assert (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)) == (EARLIEST, LATEST)
    # A day inside the years a datetime holds at both ends: any zone can show any time in range.
    assert EARLIEST.astimezone(timezone(-timedelta(hours=23, minutes=59))).year == 1
    assert (LATEST - timedelta(microseconds=1)).astimezone(timezone(timedelta(hours=23))).year == (
        9999
    )


def test_in_supported_range_is_half_open() -> None:
    times = [
        EARLIEST - timedelta(microseconds=1),
        EARLIEST,
        LATEST - timedelta(microseconds=1),
        LATEST,
        None,
    ]
    frame = pl.DataFrame({"ts": times}, schema={"ts": pl.Datetime("us", "UTC")})
    assert frame.select(in_supported_range(pl.col("ts"))).to_series().to_list() == [
        False,
        True,
        True,
        False,
        None,
    ]


@pytest.mark.parametrize(
    ("text", "end", "tz", "instant"),
    [
        ("0001-01-02", "since", UTC, EARLIEST),
        ("9999-12-30", "until", UTC, LATEST),  # the end of the last day: LATEST itself
        ("0001-01-02T05:00+05:00", "since", UTC, EARLIEST),
        ("9999-12-30T23:00", "until", timezone(-timedelta(hours=1)), LATEST),
    ],
)
def test_bounds_at_the_edges_of_the_range(
    text: str, end: str, tz: timezone, instant: datetime
) -> None:
    assert parse_bound(text, end=end, tz=tz, now=NOW) == instant  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("option", "text", "tz", "instant"),
    [
        ("--since", "0001-01-01", UTC, "0001-01-01T00:00:00Z"),
        ("--since", "0001-01-02", PARIS_WINTER, "0001-01-01T23:00:00Z"),
        ("--since", "0001-01-01", PARIS_WINTER, None),  # the year 0: no datetime at all
        ("--until", "9999-12-31", UTC, None),  # ends on 1 January 10000
        ("--until", "9999-12-31T00:00:01", UTC, "9999-12-31T00:00:01Z"),
        ("--since", "999999999999d", UTC, None),
        ("--since", "739942d", UTC, "0001-01-01T08:30:00Z"),  # NOW is day 739943
        ("--since", "0001-01-01T00:00-23:59", UTC, "0001-01-01T23:59:00Z"),
        ("--since", "9999-12-31T00:01+00:00", UTC, "9999-12-31T00:01:00Z"),
    ],
)
def test_bounds_outside_the_range_are_usage_errors(
    option: str, text: str, tz: timezone, instant: str | None
) -> None:
    since, until = (text, None) if option == "--since" else (None, text)
    with pytest.raises(UsageError) as raised:
        parse_period(since, until, tz=tz, now=NOW)
    shown = f" ({instant})" if instant else ""
    assert str(raised.value) == f"{option}: '{text}'{shown} is out of range {RANGE}"


def test_the_latest_time_may_start_a_period_that_holds_nothing() -> None:
    assert parse_period("9999-12-31T00:00Z", None, tz=UTC, now=NOW) == Period(LATEST, None)


def test_explicit_comparison_dates_name_compare() -> None:
    current = Period(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 8, tzinfo=UTC))
    assert comparison_period(current, "2026-10-01..2026-10-07", tz=UTC, now=NOW) == Period(
        datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 8, tzinfo=UTC)
    )
    for spec, message in [
        ("2026-13-01..2026-10-07", "--compare: '2026-13-01' is not a valid date"),
        ("2026-10-01..later", "--compare: cannot read 'later' (expected a date like 2026-11-02,"),
        (
            "0001-01-01..2026-10-07",
            "--compare: '0001-01-01' (0001-01-01T00:00:00Z) is out of range",
        ),
        (
            "2026-10-08..2026-10-07",
            "--compare 2026-10-08..2026-10-07: START must be before END: the period from "
            "2026-10-08T00:00:00Z to 2026-10-08T00:00:00Z is empty (a date as END includes that "
            "day)",
        ),
    ]:
        with pytest.raises(UsageError) as raised:
            comparison_period(current, spec, tz=UTC, now=NOW)
        assert str(raised.value).startswith(message), spec


@pytest.mark.parametrize(
    ("since", "until", "spec"),
    [
        (
            datetime(2, 1, 1, tzinfo=UTC),
            datetime(2, 1, 2, tzinfo=UTC),
            "previous-year",
        ),  # 0001-01-01
        (
            datetime(1, 1, 8, tzinfo=UTC),
            datetime(1, 1, 9, tzinfo=UTC),
            "previous-week",
        ),  # 0001-01-01
        (datetime(1, 1, 3, tzinfo=UTC), datetime(1, 1, 5, tzinfo=UTC), "previous"),  # 0001-01-01
        (datetime(1, 6, 1, tzinfo=UTC), datetime(1, 6, 2, tzinfo=UTC), "previous-year"),  # year 0
        (EARLIEST, None, "previous"),  # until now: two thousand years before the year 1
    ],
)
def test_comparison_periods_before_the_range_are_usage_errors(
    since: datetime, until: datetime | None, spec: str
) -> None:
    with pytest.raises(UsageError) as raised:
        comparison_period(Period(since, until), spec, tz=UTC, now=NOW)
    assert str(raised.value) == (
        f"--compare {spec}: the comparison period starts before 0001-01-02 {RANGE}"
    )


def test_the_earliest_comparison_periods_that_fit() -> None:
    week = Period(datetime(1, 1, 9, tzinfo=UTC), datetime(1, 1, 10, tzinfo=UTC))
    assert comparison_period(week, "previous-week", tz=UTC, now=NOW) == Period(
        datetime(1, 1, 2, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)
    )
    year = Period(datetime(2, 1, 2, tzinfo=UTC), datetime(2, 1, 3, tzinfo=UTC))
    assert comparison_period(year, "previous-year", tz=UTC, now=NOW) == Period(
        EARLIEST, datetime(1, 1, 3, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("text", "offset"),
    [("+23:59", timedelta(hours=23, minutes=59)), ("-2359", -timedelta(hours=23, minutes=59))],
)
def test_the_widest_offsets(text: str, offset: timedelta) -> None:
    assert parse_timezone(text).utcoffset(None) == offset


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("+24:00", "time zone offset '+24:00' is out of range (offsets go from -23:59 to +23:59)"),
        ("-99:00", "time zone offset '-99:00' is out of range (offsets go from -23:59 to +23:59)"),
        ("+01:60", "time zone offset '+01:60' is out of range (offsets go from -23:59 to +23:59)"),
        ("", "a time zone cannot be empty (expected UTC, an offset like +01:00, or a name like "
         "Europe/Paris)"),
        ("  ", "a time zone cannot be empty (expected UTC, an offset like +01:00, or a name like "
         "Europe/Paris)"),
        # Python finds these on many systems; Polars knows none of them.
        ("posix/Europe/Paris", "unknown time zone 'posix/Europe/Paris'"),
        ("right/UTC", "unknown time zone 'right/UTC'"),
        ("localtime", "unknown time zone 'localtime'"),
        ("Europe", "unknown time zone 'Europe'"),
        ("../etc/passwd", "unknown time zone '../etc/passwd'"),
        ("x" * 5000, "unknown time zone 'xxx"),
    ],
)  # fmt: skip
def test_time_zones_that_are_none(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_timezone(text)
    assert str(raised.value).startswith(message)


def test_durations_up_to_ten_thousand_years() -> None:
    assert MAX_DURATION_S == 10_000 * 366 * 86400
    assert parse_duration("3660000d") == MAX_DURATION_S
    assert parse_duration(MAX_DURATION_S) == MAX_DURATION_S
    for text in ("3660001d", "99999999999999d", "9" * 400, 10**400, float("inf")):
        with pytest.raises(ValueError, match="a duration cannot be longer than 10000 years"):
            parse_duration(text)
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(float("nan"))


@pytest.mark.parametrize(
    ("since", "shown"), [("2026-10-25T02:30+01:00", "+01:00"), ("2026-10-25T02:30", "+02:00")]
)
def test_a_time_of_the_repeated_hour_is_shown_with_its_offset(since: str, shown: str) -> None:
    """02:30 on the night clocks go back is two instants an hour apart (02:30 summer time is
    read first, as the README says): the period's label and its warning tell which. 04:00
    occurs once and is shown as it is."""
    args = ["report", "sample_logs/access.log", "--since", since, "--until", "2026-10-25T03:00Z"]
    result = CliRunner().invoke(cli, [*args, "--tz", "Europe/Berlin", "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    span = f"2026-10-25 02:30 {shown} – 2026-10-25 04:00 (Europe/Berlin)"
    assert f"micromacro: warning: no hits in the period {span}:" in result.stderr
    assert f"# Period: 25 Oct 2026 02:30 {shown} – 25 Oct 2026 04:00 (Europe/Berlin), " in (
        result.stdout
    )


def test_a_comparison_warning_names_a_start_in_the_repeated_hour_with_its_offset() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    current = Period(datetime(2026, 10, 25, 0, 40, tzinfo=UTC), datetime(2026, 10, 26, tzinfo=UTC))
    earlier = Period(datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 25, 2, tzinfo=UTC))
    assert comparison_warning(current, earlier, berlin) == (
        "the comparison period overlaps the report's period, which starts 2026-10-25 02:40 "
        "+02:00: hits in both count in each"
    )

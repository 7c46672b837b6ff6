"""The trend: sessions and the macro conversion rate per day, or per hour for two days or less.

Every figure below is counted by hand from the lines written in each test.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from micromacro import periods
from micromacro.cli import cli
from micromacro.trend import bucket_labels, session_trend, trend_unit
from tests.helpers import combined_line

GOALS = "goals:\n  - name: buy\n    kind: macro\n    destination: /thanks\n"


def _report(tmp_path: Path, lines: list[str], *args: str, goals: str = GOALS) -> dict:
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    goals_file = tmp_path / "goals.yaml"
    goals_file.write_text(goals, encoding="utf-8")
    command = ["report", str(log), "--goals", str(goals_file), "--format", "json", "-q", *args]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _visit(ip: str, time: str, *paths: str) -> list[str]:
    return [combined_line(path, ip=ip, time=time) for path in paths]


def _row(
    start: str,
    sessions: int,
    visitors: int,
    macro: int,
    macro_rate: float | None,
    micro: int = 0,
    micro_rate: float | None = None,
) -> dict[str, object]:
    """A JSON trend row."""
    return {
        "start": start, "sessions": sessions, "visitors": visitors,
        "macro_sessions": macro, "macro_conversion_rate": macro_rate,
        "micro_sessions": micro, "micro_conversion_rate": micro_rate,
    }  # fmt: skip


def test_days_of_the_period_each_with_its_sessions_and_rate(tmp_path: Path) -> None:
    lines = [
        # 2 November: three visitors, one buys
        *_visit("203.0.113.1", "02/Nov/2026:09:00:00 +0100", "/", "/thanks"),
        *_visit("203.0.113.2", "02/Nov/2026:12:00:00 +0100", "/"),
        *_visit("203.0.113.3", "02/Nov/2026:23:59:00 +0100", "/"),
        # 4 November: one visitor, who does not buy
        *_visit("203.0.113.4", "04/Nov/2026:00:30:00 +0100", "/p"),
    ]
    report = _report(tmp_path, lines, "--since", "2026-11-01", "--until", "2026-11-05")
    assert report["trend"] == {
        "unit": "day",
        "rows": [
            _row("2026-11-01", 0, 0, 0, None),
            _row("2026-11-02", 3, 3, 1, 1 / 3),
            _row("2026-11-03", 0, 0, 0, None),
            _row("2026-11-04", 1, 1, 0, 0.0),
            _row("2026-11-05", 0, 0, 0, None),
        ],
    }


def test_a_period_of_two_days_or_less_is_per_hour(tmp_path: Path) -> None:
    lines = [
        *_visit("203.0.113.1", "02/Nov/2026:09:10:00 +0100", "/", "/thanks"),
        *_visit("203.0.113.2", "02/Nov/2026:09:50:00 +0100", "/"),
        *_visit("203.0.113.3", "02/Nov/2026:11:00:00 +0100", "/"),
    ]
    report = _report(tmp_path, lines, "--since", "2026-11-02", "--until", "2026-11-02")
    trend = report["trend"]
    assert trend["unit"] == "hour"
    assert len(trend["rows"]) == 24
    by_hour = {row["start"]: row for row in trend["rows"] if row["sessions"]}
    assert by_hour == {
        "2026-11-02T09:00": _row("2026-11-02T09:00", 2, 2, 1, 0.5),
        "2026-11-02T11:00": _row("2026-11-02T11:00", 1, 1, 0, 0.0),
    }


def test_without_a_period_the_trend_runs_from_the_first_to_the_last_hit(tmp_path: Path) -> None:
    lines = [
        *_visit("203.0.113.1", "02/Nov/2026:09:00:00 +0100", "/"),
        *_visit("203.0.113.2", "06/Nov/2026:09:00:00 +0100", "/"),
    ]
    trend = _report(tmp_path, lines)["trend"]
    assert [(row["start"], row["sessions"]) for row in trend["rows"]] == [
        ("2026-11-02", 1), ("2026-11-03", 0), ("2026-11-04", 0), ("2026-11-05", 0),
        ("2026-11-06", 1),
    ]  # fmt: skip


def test_visitors_and_micro_rate_per_day(tmp_path: Path) -> None:
    goals = GOALS + "  - name: read\n    kind: micro\n    destination: /blog\n"
    lines = [
        # 2 November: visitor .1 comes twice (sessions an hour apart) and reads the blog the
        # second time; visitor .2 reads and buys.
        *_visit("203.0.113.1", "02/Nov/2026:08:00:00 +0100", "/"),
        *_visit("203.0.113.1", "02/Nov/2026:09:00:00 +0100", "/blog"),
        *_visit("203.0.113.2", "02/Nov/2026:10:00:00 +0100", "/blog", "/thanks"),
        # 3 November: visitor .1 again, reading.
        *_visit("203.0.113.1", "03/Nov/2026:10:00:00 +0100", "/blog"),
    ]
    trend = _report(tmp_path, lines, "--since", "2026-11-02", "--until", "2026-11-03",
                    "--tz", "+01:00", goals=goals)["trend"]  # fmt: skip
    assert trend["unit"] == "hour"
    shown = [row for row in trend["rows"] if row["sessions"]]
    assert shown == [
        _row("2026-11-02T08:00", 1, 1, 0, 0.0, 0, 0.0),
        _row("2026-11-02T09:00", 1, 1, 0, 0.0, 1, 1.0),
        _row("2026-11-02T10:00", 1, 1, 1, 1.0, 1, 1.0),
        _row("2026-11-03T10:00", 1, 1, 0, 0.0, 1, 1.0),
    ]
    daily = _report(tmp_path, lines, "--since", "2026-11-01", "--until", "2026-11-03",
                    "--tz", "+01:00", goals=goals)["trend"]  # fmt: skip
    assert daily["rows"] == [
        _row("2026-11-01", 0, 0, 0, None, 0, None),
        _row("2026-11-02", 3, 2, 1, 1 / 3, 2, 2 / 3),
        _row("2026-11-03", 1, 1, 0, 0.0, 1, 1.0),
    ]


def test_without_a_macro_goal_the_rate_is_null(tmp_path: Path) -> None:
    goals = "goals:\n  - name: look\n    kind: micro\n    destination: /p\n"
    lines = _visit("203.0.113.1", "02/Nov/2026:09:00:00 +0100", "/p")
    trend = _report(tmp_path, lines, goals=goals)["trend"]
    assert trend["rows"] == [_row("2026-11-02T09:00", 1, 1, 0, None, 1, 1.0)]


def test_days_are_those_of_the_report_time_zone(tmp_path: Path) -> None:
    # 23:30 UTC on 2 November is 05:00 on 3 November in India (+05:30).
    lines = [
        *_visit("203.0.113.1", "02/Nov/2026:23:30:00 +0000", "/"),
        *_visit("203.0.113.2", "05/Nov/2026:10:00:00 +0000", "/"),
    ]
    trend = _report(tmp_path, lines, "--tz", "+05:30")["trend"]
    assert trend["rows"][0] == _row("2026-11-03", 1, 1, 0, 0.0)
    assert [row["start"] for row in trend["rows"]] == ["2026-11-03", "2026-11-04", "2026-11-05"]


def test_an_empty_log_has_no_trend(tmp_path: Path) -> None:
    assert _report(tmp_path, [""])["trend"] == {"unit": "day", "rows": []}


def test_csv_trend_table(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text("\n".join(_visit("203.0.113.1", "02/Nov/2026:09:00:00 +0100", "/")) + "\n")
    goals = tmp_path / "goals.yaml"
    goals.write_text(GOALS)
    command = ["report", str(log), "--goals", str(goals), "--format", "csv", "--table", "trend"]
    result = CliRunner().invoke(cli, [*command, "-q"])
    assert result.stdout == (
        "start,sessions,visitors,macro_sessions,macro_conversion_rate,micro_sessions,"
        "micro_conversion_rate\n2026-11-02T09:00,1,1,0,0.0,0,\n"
    )


@pytest.mark.parametrize(("days", "unit"), [(1, "hour"), (2, "hour"), (2.01, "day"), (7, "day")])
def test_the_unit_follows_the_length(days: float, unit: str) -> None:
    start = datetime(2026, 11, 2, tzinfo=UTC)
    assert trend_unit(start, start + timedelta(days=days)) == unit


@pytest.mark.parametrize(
    ("since", "until", "unit"),
    [
        ("2026-10-24", "2026-10-26", "hour"),  # 49 hours: the clocks go back on 25 October
        ("2026-03-28", "2026-03-30", "hour"),  # 47 hours: they go forward on 29 March
        ("2026-03-28", "2026-03-30T01:00", "day"),  # two days and an hour on the wall clock
    ],
)
def test_two_local_days_are_hourly_whatever_the_clocks(since: str, until: str, unit: str) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = (datetime.fromisoformat(t).replace(tzinfo=berlin) for t in (since, until))
    assert trend_unit(start, end, berlin) == unit


def test_a_weekend_with_the_clock_change_is_drawn_per_hour(tmp_path: Path) -> None:
    # 24 and 25 October 2026 in Berlin are 49 hours; their wall clock shows 48 hour labels
    # (02:00 on the 25th comes twice and is one row).
    lines = _visit("203.0.113.1", "25/Oct/2026:02:30:00 +0200", "/", "/thanks")
    args = ("--tz", "Europe/Berlin", "--since", "2026-10-24", "--until", "2026-10-25")
    trend = _report(tmp_path, lines, *args)["trend"]
    assert trend["unit"] == "hour"
    assert len(trend["rows"]) == 48
    assert trend["rows"][26] == _row("2026-10-25T02:00", 1, 1, 1, 1.0)


def _utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "first", "last", "expected"),
    [
        # 29 March 2026: 02:00 does not exist in Berlin.
        ("Europe/Berlin", _utc(3, 29, 0), _utc(3, 29, 1, 30), ["03-29T01", "03-29T03"]),
        # 25 October 2026: 02:00 comes twice, one row for both.
        ("Europe/Berlin", _utc(10, 24, 23), _utc(10, 25, 1, 30), ["10-25T01", "10-25T02"]),
        ("+05:30", _utc(11, 2, 3), _utc(11, 2, 4, 45), ["11-02T08", "11-02T09", "11-02T10"]),
        # Lord Howe Island moves its clocks by half an hour: on 5 April 2026 from 02:00
        # (+11:00) back to 01:30 (+10:30), on 4 October from 02:00 (+10:30) on to 02:30
        # (+11:00). The hour holding the last instant has its row.
        (
            "Australia/Lord_Howe", _utc(4, 4, 13, 30), _utc(4, 4, 16, 40),
            ["04-05T00", "04-05T01", "04-05T02", "04-05T03"],
        ),
        (
            "Australia/Lord_Howe", _utc(10, 3, 15), _utc(10, 3, 16, 10),
            ["10-04T01", "10-04T02", "10-04T03"],
        ),
    ],
)  # fmt: skip
def test_the_hours_of_a_stretch_on_the_clocks_of_its_zone(
    zone: str, first: datetime, last: datetime, expected: list[str]
) -> None:
    """An hour the clocks skip has no label, one they repeat has one, and no hour is left out
    whatever the clocks do."""
    labels = bucket_labels(first, last, periods.parse_timezone(zone), "hour")
    assert labels == [f"2026-{hour}:00" for hour in expected]


def test_hours_before_the_year_1000_are_labelled_as_their_sessions() -> None:
    """Years 1 to 9999 are supported: the labels of their hours are written with four digits,
    as the sessions' own, so each session has its row."""
    starts = [datetime(999, 1, 2, 10, 5, tzinfo=UTC), datetime(999, 1, 2, 11, 0, tzinfo=UTC)]
    conversions = pl.DataFrame(
        {"start": starts, "visitor_id": ["a", "b"]},
        schema={"start": pl.Datetime("us", "UTC"), "visitor_id": pl.String},
    )
    trend = session_trend(
        conversions, (), start=starts[0], end=starts[1], end_included=True, tz=UTC
    )
    assert [(row.start, row.sessions) for row in trend.rows] == [
        ("0999-01-02T10:00", 1),
        ("0999-01-02T11:00", 1),
    ]


def test_a_long_period_without_sessions_has_no_rows() -> None:
    """A period of more than 1,000 days is drawn from its first session to its last: none
    without a session, not a row of zeros for every day."""
    conversions = pl.DataFrame(schema={"start": pl.Datetime("us", "UTC"), "visitor_id": pl.String})
    start, end = datetime(2010, 1, 1, tzinfo=UTC), datetime(2020, 1, 1, tzinfo=UTC)
    trend = session_trend(conversions, (), start=start, end=end, end_included=False, tz=UTC)
    assert (trend.unit, trend.rows) == ("day", ())


@settings(max_examples=40, deadline=None)
@given(
    sessions=st.lists(
        st.tuples(
            st.datetimes(min_value=datetime(2026, 3, 1), max_value=datetime(2026, 11, 30),
                         timezones=st.just(UTC)),
            st.sampled_from(["v1", "v2", "v3"]),
        ),
        min_size=1, max_size=40,
    ),
    zone=st.sampled_from(
        ["UTC", "Europe/Berlin", "America/New_York", "+05:30", "Australia/Lord_Howe"]
    ),
)  # fmt: skip
def test_sessions_per_bucket_match_a_plain_count(
    sessions: list[tuple[datetime, str]], zone: str
) -> None:
    """Against a plain Python count of each session's local day or hour: every session is in
    one row, a visitor once in each row of their sessions, and the rows run from the first
    session's to the last's."""
    tz = periods.parse_timezone(zone)
    starts = [start for start, _ in sessions]
    conversions = pl.DataFrame(
        {"start": starts, "visitor_id": [visitor for _, visitor in sessions]},
        schema={"start": pl.Datetime("us", "UTC"), "visitor_id": pl.String},
    )
    first, last = min(starts), max(starts)
    trend = session_trend(conversions, (), start=first, end=last, end_included=True, tz=tz)
    pattern = "%Y-%m-%d" if trend.unit == "day" else "%Y-%m-%dT%H:00"
    expected = Counter(start.astimezone(tz).strftime(pattern) for start in starts)
    visitors: dict[str, set[str]] = {}
    for start, visitor in sessions:
        visitors.setdefault(start.astimezone(tz).strftime(pattern), set()).add(visitor)
    found = {row.start: (row.sessions, row.visitors) for row in trend.rows if row.sessions}
    assert found == {label: (n, len(visitors[label])) for label, n in expected.items()}
    assert trend.rows[0].start == first.astimezone(tz).strftime(pattern)
    assert trend.rows[-1].start == last.astimezone(tz).strftime(pattern)
    assert all(row.macro_conversion_rate is None for row in trend.rows)
    assert all(row.micro_conversion_rate is None for row in trend.rows)

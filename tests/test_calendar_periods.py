"""Calendar periods for cron: ``--since last-week|this-week|last-month|this-month|last-year|
this-year`` are whole ISO weeks (Monday to Sunday), months and years in the report's time zone.

"Now" is fixed (``periods.clock`` replaced), never the wall clock: Wednesday 4 November 2026,
09:00 UTC (10:00 in Berlin). ``tests/fixtures/calendar.log`` is written in UTC; line n is
``GET /n`` from its own address at these Berlin times (CET after 25 October 03:00):

====  =============================  ====================================
line  Berlin time                    why it is there
====  =============================  ====================================
2     2025-12-31 23:59:59 CET        last second of 2025
3     2026-01-01 00:00:00 CET        first second of 2026
4     2026-09-30 23:59:59 CEST       last second of September
5     2026-10-01 00:00:00 CEST       first second of October
6     2026-10-15 12:00:00 CEST       mid-October (week of 12 October)
7     2026-10-25 23:59:00 CET        Sunday, the day clocks went back
8     2026-10-26 00:00:00 CET        Monday: last week starts
9     2026-10-31 23:59:59 CET        last second of October
10    2026-11-01 00:00:00 CET        Sunday 1 November, still last week
11    2026-11-02 00:00:00 CET        Monday: this week starts
12    2026-11-04 09:00:00 CET        an hour before now
====  =============================  ====================================
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from micromacro import periods
from micromacro.cli import cli
from micromacro.errors import UsageError
from micromacro.periods import (
    CalendarUnit,
    Period,
    calendar_days,
    compared_period,
    comparison_period,
    parse_period,
)

ROOT = Path(__file__).resolve().parents[1]
LOG = str(ROOT / "tests" / "fixtures" / "calendar.log")
NOW = datetime(2026, 11, 4, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periods, "clock", lambda: NOW)


# --- the periods themselves --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "since", "until", "unit"),
    [
        # Monday 26 October 00:00 CET to Monday 2 November 00:00 CET.
        ("last-week", utc(2026, 10, 25, 23), utc(2026, 11, 1, 23), "week"),
        ("this-week", utc(2026, 11, 1, 23), utc(2026, 11, 8, 23), "week"),
        # 1 October 00:00 CEST (UTC+2) to 1 November 00:00 CET (UTC+1).
        ("last-month", utc(2026, 9, 30, 22), utc(2026, 10, 31, 23), "month"),
        ("this-month", utc(2026, 10, 31, 23), utc(2026, 11, 30, 23), "month"),
        ("last-year", utc(2024, 12, 31, 23), utc(2025, 12, 31, 23), "year"),
        ("this-year", utc(2025, 12, 31, 23), utc(2026, 12, 31, 23), "year"),
    ],
)
def test_a_calendar_name_alone_is_the_whole_period_in_the_time_zone(
    name: str, since: datetime, until: datetime, unit: CalendarUnit
) -> None:
    assert parse_period(name, None, tz=BERLIN, now=NOW) == Period(since, until, unit)
    # Named as both ends it is the same period; written in capitals too.
    assert parse_period(name.upper(), name, tz=BERLIN, now=NOW) == Period(since, until, unit)


@pytest.mark.parametrize(
    ("now", "name", "first", "after"),
    [
        # ISO weeks across a new year: Friday 1 January 2027 is in the week of Monday 28 December.
        (utc(2027, 1, 1, 12), "this-week", date(2026, 12, 28), date(2027, 1, 4)),
        (utc(2027, 1, 1, 12), "last-week", date(2026, 12, 21), date(2026, 12, 28)),
        # A Monday belongs to its own week.
        (utc(2026, 11, 2, 0, 30), "this-week", date(2026, 11, 2), date(2026, 11, 9)),
        # A Sunday to the week that began six days before.
        (utc(2026, 11, 8, 23, 59), "last-week", date(2026, 10, 26), date(2026, 11, 2)),
        # January: last month is the December before.
        (utc(2027, 1, 15), "last-month", date(2026, 12, 1), date(2027, 1, 1)),
        (utc(2028, 2, 10), "this-month", date(2028, 2, 1), date(2028, 3, 1)),
        (utc(2027, 1, 15), "last-year", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_calendar_days(now: datetime, name: str, first: date, after: date) -> None:
    assert calendar_days(name, tz=UTC, now=now) == (first, after)


def test_the_day_is_the_one_of_the_time_zone() -> None:
    # Monday 2 November 00:30 in Berlin is still Sunday 1 November (23:30) in UTC.
    now = utc(2026, 11, 1, 23, 30)
    assert calendar_days("this-week", tz=BERLIN, now=now) == (date(2026, 11, 2), date(2026, 11, 9))
    assert calendar_days("this-week", tz=UTC, now=now) == (date(2026, 10, 26), date(2026, 11, 2))


def test_a_calendar_name_as_one_end_of_a_longer_period() -> None:
    # From 1 January 2025 to the start of this month: not one calendar period.
    assert parse_period("last-year", "last-month", tz=BERLIN, now=NOW) == Period(
        utc(2024, 12, 31, 23), utc(2026, 10, 31, 23)
    )
    # As --until, the end of that period; --until alone leaves the start open.
    assert parse_period(None, "last-week", tz=BERLIN, now=NOW) == Period(None, utc(2026, 11, 1, 23))
    assert parse_period("2026-10-01", "last-week", tz=BERLIN, now=NOW) == Period(
        utc(2026, 9, 30, 22), utc(2026, 11, 1, 23)
    )


def test_a_misspelt_name_lists_the_calendar_periods() -> None:
    with pytest.raises(UsageError, match="last-week, this-week, last-month, this-month"):
        parse_period("last-weeks", None, tz=UTC, now=NOW)
    with pytest.raises(UsageError, match="must be before"):
        parse_period("this-month", "last-month", tz=UTC, now=NOW)
    with pytest.raises(UsageError, match="out of range"):
        parse_period("last-year", None, tz=UTC, now=utc(1, 6, 1))


@pytest.mark.parametrize(
    ("name", "compare", "since", "until"),
    [
        # The calendar period before: September, the week of 19 October, 2025.
        ("last-month", "previous", utc(2026, 8, 31, 22), utc(2026, 9, 30, 22)),
        ("last-week", "previous", utc(2026, 10, 18, 22), utc(2026, 10, 25, 23)),
        ("last-year", "previous", utc(2023, 12, 31, 23), utc(2024, 12, 31, 23)),
        # Not over yet: compared up to now's counterpart, 4 October 10:00 CEST.
        ("this-month", "previous", utc(2026, 9, 30, 22), utc(2026, 10, 4, 8)),
        # Wednesday 28 October 10:00 CET.
        ("this-week", "previous", utc(2026, 10, 25, 23), utc(2026, 10, 28, 9)),
        ("this-week", "previous-week", utc(2026, 10, 25, 23), utc(2026, 10, 28, 9)),
        # The same local days a year before.
        ("last-month", "previous-year", utc(2025, 9, 30, 22), utc(2025, 10, 31, 23)),
        ("this-month", "previous-year", utc(2025, 10, 31, 23), utc(2025, 11, 4, 9)),
    ],
)
def test_compare_steps_back_by_the_calendar(
    name: str, compare: str, since: datetime, until: datetime
) -> None:
    current = parse_period(name, None, tz=BERLIN, now=NOW)
    assert comparison_period(current, compare, tz=BERLIN, now=NOW) == Period(since, until)


def test_a_compared_calendar_period_cut_at_now_keeps_its_calendar_end() -> None:
    """This month (in Berlin, from 31 October 23:00Z) compared ends now, and keeps where the
    month ends (30 November 23:00Z); last month, over, is compared whole."""
    month = parse_period("this-month", None, tz=BERLIN, now=NOW)
    assert compared_period(month, "previous", now=NOW) == Period(
        utc(2026, 10, 31, 23), NOW, "month", utc(2026, 11, 30, 23)
    )
    over = parse_period("last-month", None, tz=BERLIN, now=NOW)
    assert compared_period(over, "previous", now=NOW) == over


def test_the_month_before_the_31st_is_clamped_to_its_end() -> None:
    now = utc(2026, 3, 31, 10)
    current = parse_period("this-month", None, tz=UTC, now=now)
    assert comparison_period(current, "previous", tz=UTC, now=now) == Period(
        utc(2026, 2, 1), utc(2026, 2, 28, 10)
    )


@pytest.mark.parametrize(
    ("since", "until", "previous_since"),
    [
        # 25 October lasts 25 hours in Berlin (clocks go back): the day before is 24 October.
        ("2026-10-25", "2026-10-25", utc(2026, 10, 23, 22)),
        # 26 October (24 hours) against all of 25 October, not its last 24 hours.
        ("2026-10-26", "2026-10-26", utc(2026, 10, 24, 22)),
        # Two days of 49 hours against 23 and 24 October (48 hours).
        ("2026-10-25", "2026-10-26", utc(2026, 10, 22, 22)),
        # Not whole days: as many hours before (24 October 12:00 CEST is 10:00Z, 25 October
        # 12:00 CET 11:00Z: 25 hours).
        ("2026-10-24T12:00", "2026-10-25T12:00", utc(2026, 10, 23, 9)),
    ],
)
def test_previous_of_whole_days_is_as_many_local_days(
    since: str, until: str, previous_since: datetime
) -> None:
    current = parse_period(since, until, tz=BERLIN, now=NOW)
    assert comparison_period(current, "previous", tz=BERLIN, now=NOW) == Period(
        previous_since, current.since
    )


def test_a_compared_span_ends_now_as_its_comparison_does(tmp_path: Path) -> None:
    """One visit an hour from 2 November 09:00Z to 4 November 11:00Z, two hours after now.
    ``--since 24h`` alone is from 3 November 09:00Z on: 24 visits, and the 3 at or after now
    (a clock ahead). With ``--compare previous`` it ends now, as long as the 24 hours before
    it: 24 visits against 24, the 3 out of both periods."""
    start = utc(2026, 11, 2, 9)
    lines = [
        f"203.0.113.{n} - - [{(start + timedelta(hours=n)).strftime('%d/%b/%Y:%H:%M:%S +0000')}]"
        f' "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"'
        for n in range(51)
    ]
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    base = ["report", str(log), "--format", "json", "--quiet", "--since", "24h"]
    alone = json.loads(CliRunner().invoke(cli, base).stdout)
    assert (alone["summary"]["sessions"], alone["period"]["end"]) == (27, "2026-11-04T11:00:00Z")
    result = CliRunner().invoke(cli, [*base, "--compare", "previous"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["period"]["start"] == "2026-11-03T09:00:00Z"
    assert data["period"]["end"] == "2026-11-04T09:00:00Z"
    assert data["input"]["out_of_period"] == 27  # 24 before it, 3 after now
    summary = data["summary"]
    assert (summary["sessions"], summary["previous_sessions"], summary["change_sessions"]) == (
        24,
        24,
        0,
    )
    previous = data["previous"]["period"]
    assert (previous["start"], previous["end"]) == ("2026-11-02T09:00:00Z", "2026-11-03T09:00:00Z")


@pytest.mark.parametrize(
    ("since", "start", "after", "previous_start", "counterpart_day", "sessions", "out_of_period"),
    [
        # Monday 2 November to now, against Monday 26 October to Wednesday 28 October 09:00.
        ("this-week", "2026-11-02", "2026-11-09", "2026-10-26", "2026-10-28", 1, 4),
        # 1 November to now, against 1 to 4 October 09:00.
        ("this-month", "2026-11-01", "2026-12-01", "2026-10-01", "2026-10-04", 1, 4),
        # 2026 to now (4 and 28 October, 4 November 08:00), against 2025 to 4 November 09:00.
        ("this-year", "2026-01-01", "2027-01-01", "2025-01-01", "2025-11-04", 3, 2),
    ],
)
def test_a_compared_calendar_period_not_over_yet_ends_now(
    tmp_path: Path,
    since: str,
    start: str,
    after: str,
    previous_start: str,
    counterpart_day: str,
    sessions: int,
    out_of_period: int,
) -> None:
    """One visit (its own address) at 08:00Z on 4 November 2025, 4 October and 28 October
    2026 (an hour before now's counterpart a year, a month and a week before), and on 4
    November 2026 at 08:00Z and 12:00Z: an hour before now and three hours after it, from a
    clock ahead. Under ``--compare previous`` a period not over yet ends now, as its comparison
    ends at now's counterpart: the visit after now is in neither. Alone, the period is whole and
    holds it."""
    log = _visits_around_now(tmp_path)
    base = ["report", str(log), "--format", "json", "--quiet", "--tz", "UTC", "--since", since]
    result = CliRunner().invoke(cli, [*base, "--compare", "previous"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    period = data["period"]
    assert (period["start"], period["end"]) == (f"{start}T00:00:00Z", "2026-11-04T09:00:00Z")
    previous = data["previous"]["period"]
    assert (previous["start"], previous["end"]) == (
        f"{previous_start}T00:00:00Z",
        f"{counterpart_day}T09:00:00Z",  # now's counterpart
    )
    summary = data["summary"]
    assert (summary["sessions"], summary["previous_sessions"]) == (sessions, 1)
    assert data["input"]["out_of_period"] == out_of_period
    alone = json.loads(CliRunner().invoke(cli, base).stdout)
    assert alone["summary"]["sessions"] == sessions + 1  # the visit after now too
    assert alone["period"]["end"] == f"{after}T00:00:00Z"


def _visits_around_now(tmp_path: Path) -> Path:
    """One visit (its own address) at 08:00Z on 4 November 2025, 4 October and 28 October
    2026, and on 4 November 2026 at 08:00Z and 12:00Z (an hour before and three after now)."""
    times = [utc(2025, 11, 4, 8), utc(2026, 10, 4, 8), utc(2026, 10, 28, 8)]
    lines = [
        f"203.0.113.{n} - - [{time.strftime('%d/%b/%Y:%H:%M:%S +0000')}]"
        f' "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"'
        for n, time in enumerate([*times, utc(2026, 11, 4, 8), utc(2026, 11, 4, 12)])
    ]
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    return log


@pytest.mark.parametrize(
    ("since", "start", "end", "to_date"),
    [
        ("this-week", "2026-11-02", "2026-11-09", 1),  # 4 November 08:00
        ("this-month", "2026-11-01", "2026-12-01", 1),
        ("this-year", "2026-01-01", "2027-01-01", 3),  # and 4 and 28 October
    ],
)
def test_the_history_of_a_compared_period_not_over_yet_is_the_calendar_periods(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, since: str, start: str, end: str, to_date: int
) -> None:
    """An hourly cron job on ``--since this-month --compare previous``: its period ends now, a
    second later at the next run, but its ``--history`` rows are the calendar period's (start
    and end as without ``--compare``), and each run replaces the last one's, with the figures
    to date. The visits are those of the test above: one at 08:00Z on 4 November 2025, 4 and
    28 October 2026 and 4 November 2026 (an hour before now), and one at 12:00Z on 4 November
    2026, after now, which only the run without ``--compare`` counts."""
    log = _visits_around_now(tmp_path)
    goals = tmp_path / "goals.yaml"
    goals.write_text("goals:\n  - {name: home, kind: macro, destination: /}\n")
    history = tmp_path / "history.csv"
    base = ["report", str(log), "--goals", str(goals), "--quiet", "--tz", "UTC", "--since", since]
    base += ["--history", str(history)]

    def rows() -> list[str]:
        return history.read_text().splitlines()[1:]

    for second in (0, 1):
        monkeypatch.setattr(periods, "clock", lambda s=second: NOW + timedelta(seconds=s))
        result = CliRunner().invoke(cli, [*base, "--compare", "previous"])
        assert result.exit_code == 0, result.stderr
        assert rows() == [
            f"{start}T00:00:00Z,{end}T00:00:00Z,home,macro,{to_date},{to_date},1.0,{to_date}"
        ]
    whole = to_date + 1  # the visit after now too
    assert CliRunner().invoke(cli, base).exit_code == 0
    assert rows() == [f"{start}T00:00:00Z,{end}T00:00:00Z,home,macro,{whole},{whole},1.0,{whole}"]


# --- every command that takes --since ------------------------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def pages(*options: str) -> list[int]:
    """The lines of the fixture counted as pageviews (``micromacro hits``)."""
    code, out, err = run("hits", LOG, "--format", "ndjson", *options)
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    return [row["line"] for row in rows if row["bucket"] == "page"]


@pytest.mark.parametrize(
    ("since", "until", "lines"),
    [
        ("last-week", None, [8, 9, 10]),
        ("this-week", None, [11, 12]),
        ("last-month", None, [5, 6, 7, 8, 9]),
        ("this-month", None, [10, 11, 12]),
        ("last-year", None, [2]),
        ("this-year", None, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
        ("last-year", "last-month", [2, 3, 4, 5, 6, 7, 8, 9]),
        (None, "last-week", [2, 3, 4, 5, 6, 7, 8, 9, 10]),  # up to the end of last week
    ],
)
def test_hits_in_berlin(since: str | None, until: str | None, lines: list[int]) -> None:
    options = ["--tz", "Europe/Berlin"]
    options += ["--since", since] if since else []
    options += ["--until", until] if until else []
    assert pages(*options) == lines


@pytest.mark.parametrize(
    ("since", "lines"),
    [
        # In the log's own zone (UTC) the edges fall elsewhere: 31 December 23:00 is 2025.
        ("last-week", [9, 10, 11]),
        ("last-month", [6, 7, 8, 9, 10]),
        ("last-year", [2, 3]),
    ],
)
def test_hits_in_the_logs_own_zone(since: str, lines: list[int]) -> None:
    assert pages("--since", since) == lines


@pytest.mark.parametrize(
    ("since", "compare", "now", "before"),
    [
        ("last-month", "previous", 5, 1),  # September: line 4
        ("this-month", "previous", 3, 1),  # 1 to 4 October 10:00: line 5
        ("last-week", "previous", 3, 1),  # week of 19 October: line 7
        ("last-week", "previous-year", 3, 0),
        ("this-week", "previous-week", 2, 1),  # 26 to 28 October 10:00: line 8
    ],
)
def test_report_compares_calendar_periods(since: str, compare: str, now: int, before: int) -> None:
    args = ["report", LOG, "--tz", "Europe/Berlin", "--since", since, "--compare", compare]
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    # One address per line: each line is a visitor, a session and a pageview.
    assert report["summary"]["pageviews"] == report["summary"]["sessions"] == now
    assert report["previous"]["summary"]["pageviews"] == before


def test_output_paths_take_the_calendar_periods_start(tmp_path: Path) -> None:
    weekly = tmp_path / "week-%G-W%V.csv"
    monthly = tmp_path / "%Y-%m.csv"
    for since, path in (("last-week", weekly), ("last-month", monthly)):
        code, _, err = run(
            "report", LOG, "--tz", "Europe/Berlin", "--since", since, "-o", str(path)
        )
        assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10.csv", "week-2026-W44.csv"]


def test_alert_on_a_calendar_period(tmp_path: Path) -> None:
    goals = tmp_path / "goals.yaml"
    goals.write_text(
        "goals:\n  - {name: any, kind: macro, destination: /12}\n"
        "alerts:\n  - {name: quiet week, metric: summary.sessions, below: 3}\n"
    )
    common = ["alert", LOG, "--goals", str(goals), "--tz", "Europe/Berlin"]
    assert run(*common, "--since", "last-week")[0] == 0  # 3 sessions
    code, out, _ = run(*common, "--since", "this-week")  # 2 sessions
    assert code == 3
    assert "quiet week" in out


def test_a_bad_calendar_name_is_a_usage_error() -> None:
    code, _, err = run("report", LOG, "--since", "last-fortnight")
    assert code == 2
    assert "--since: cannot read 'last-fortnight'" in err
    assert "last-week, this-week, last-month, this-month, last-year, this-year" in err


def test_a_relative_period_and_its_comparison_count_from_one_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clock a second later at every reading: had the two periods each read it, the one
    # compared with would end a second after this one starts, and last 7 days and a second.
    ticks = iter(NOW + timedelta(seconds=n) for n in range(1000))
    monkeypatch.setattr(periods, "clock", lambda: next(ticks))
    code, out, err = run("report", LOG, "--since", "7d", "--compare", "previous", "-q",
                         "--format", "json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    now, before = data["period"], data["previous"]["period"]
    assert before["end"] == now["start"]
    start, end = (datetime.fromisoformat(before[k]) for k in ("start", "end"))
    assert end - start == timedelta(days=7)

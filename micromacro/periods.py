"""Report periods: ``--since``/``--until`` values and the report's time zone.

A date (``2026-11-02``, ``today``, ``yesterday``) means the whole day: as ``--since`` its start,
as ``--until`` the start of the next day. A calendar period (``last-week``, ``this-week``,
``last-month``, ``this-month``, ``last-year``, ``this-year``: ISO weeks from Monday, whole months
and years) is read the same way, and as ``--since`` without ``--until`` it is the whole period.
A datetime is an instant and the period is half-open, ``[since, until)``. A relative span
(``7d``, ``12h``) counts back from now. Naive values and calendar days are in the report's time
zone.

Times are supported from ``EARLIEST`` to ``LATEST`` (2 January of the year 1 to 30 December
9999, UTC): the years Python's ``datetime`` can hold, less a day at each end so that any time
in range can be shown in any time zone. A log line dated outside is malformed (``time out of
range``); a period bound outside is a usage error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from micromacro.errors import UsageError
from micromacro.text import quoted
from micromacro.timespans import AmbiguousUnit, parse_duration

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A datetime: a date as above, ``T`` or a space, then the time (Python reads other ISO 8601
# forms too, ``20261102`` or ``2026-W45``, but as an instant where a day is meant).
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d")
_RELATIVE = re.compile(r"^\d+(?:\.\d+)?\s*[smhdw]$", re.IGNORECASE)

# The supported times, ``[EARLIEST, LATEST)`` (a period's end may be ``LATEST`` itself).
EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
SUPPORTED_RANGE = "from 0001-01-02 to 9999-12-30 UTC"
# Why a log line or row whose time is outside them is malformed.
TIME_OUT_OF_RANGE = "time out of range"
_UTC_MICROS = pl.Datetime("us", "UTC")


def in_supported_range(ts: pl.Expr) -> pl.Expr:
    """Whether each time of ``ts`` (``Datetime`` in UTC) is a supported one (null for null).

    >>> from datetime import datetime, UTC
    >>> times = pl.Series([datetime(1, 1, 1, 23, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)])
    >>> pl.select(in_supported_range(pl.lit(times))).to_series().to_list()
    [False, True]
    """
    return ts.is_between(_utc_literal(EARLIEST), _utc_literal(LATEST), closed="left")


@cache
def _utc_literal(instant: datetime) -> pl.Expr:
    """``instant`` as a literal ``Datetime`` in UTC, made once: Polars makes a literal of an
    aware time through a Series and a time zone conversion (about 0.1 ms), which every chunk
    read would repeat."""
    return pl.lit(instant, dtype=_UTC_MICROS)


CalendarUnit = Literal["week", "month", "year"]
# The calendar periods ``--since`` and ``--until`` take: (units back from the current one, unit).
CALENDAR_PERIODS: dict[str, tuple[int, CalendarUnit]] = {
    "last-week": (-1, "week"),
    "this-week": (0, "week"),
    "last-month": (-1, "month"),
    "this-month": (0, "month"),
    "last-year": (-1, "year"),
    "this-year": (0, "year"),
}


@dataclass(frozen=True)
class Period:
    """A half-open period ``[since, until)`` in UTC; either end may be open (None).

    ``calendar`` is the unit when the period is one calendar period named by ``--since``
    (``last-month``: ``month``), which ``--compare previous`` steps back by; ``calendar_end``
    is where that calendar period ends when this one is its part up to now (``this-month``
    under ``--compare``: ``until`` is now), None otherwise.
    """

    since: datetime | None = None
    until: datetime | None = None
    calendar: CalendarUnit | None = None
    calendar_end: datetime | None = None

    @property
    def bounded(self) -> bool:
        """Whether either end is set."""
        return self.since is not None or self.until is not None

    def union(self, other: Period) -> Period:
        """The smallest period holding both (an open end stays open)."""
        since = None if self.since is None or other.since is None else min(self.since, other.since)
        until = None if self.until is None or other.until is None else max(self.until, other.until)
        return Period(since, until)

    def contains(self) -> pl.Expr:
        """Whether each ``ts`` lies in the period."""
        inside = pl.lit(True)
        if self.since is not None:
            inside = inside & (pl.col("ts") >= _utc_literal(self.since))
        if self.until is not None:
            inside = inside & (pl.col("ts") < _utc_literal(self.until))
        return inside


def clock() -> datetime:
    """Now, in UTC: what relative and calendar periods count from when no ``now`` is given
    (tests replace it)."""
    return datetime.now(UTC)


_ZONE_FORMS = "expected UTC, an offset like +01:00, or a name like Europe/Paris"


def parse_timezone(text: str) -> tzinfo:
    """``UTC``, an offset (``+01:00``, ``-0530``; less than a day) or an IANA name
    (``Europe/Paris``) that both Python and Polars know. Raises ``UsageError``.

    >>> parse_timezone("+0130")
    datetime.timezone(datetime.timedelta(seconds=5400))
    """
    name = text.strip()
    if not name:
        raise UsageError(f"a time zone cannot be empty ({_ZONE_FORMS})")
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    match = _OFFSET.match(name)
    if match:
        sign, hours, minutes = match.groups()
        if int(hours) > 23 or int(minutes) > 59:
            raise UsageError(
                f"time zone offset '{text}' is out of range (offsets go from -23:59 to +23:59)"
            )
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if sign == "-" else offset)
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        zone = None
    if zone is None or not _polars_knows(zone.key):
        raise UsageError(f"unknown time zone {quoted(text)} ({_ZONE_FORMS})")
    return zone


@cache
def _polars_knows(key: str) -> bool:
    """Whether Polars can convert times to the zone ``key`` (it knows no ``posix/…``,
    ``right/…`` or ``localtime``, which Python may find on the system)."""
    try:
        pl.select(pl.lit(None, dtype=_UTC_MICROS).dt.convert_time_zone(key))
    except pl.exceptions.PolarsError:
        return False
    return True


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _calendar_name(text: str | None) -> str | None:
    """``text`` as the name of a calendar period (``last-month``), if it is one."""
    name = text.strip().lower() if text is not None else None
    return name if name in CALENDAR_PERIODS else None


def _add_months(day: date, months: int) -> date:
    """``day`` ``months`` months later (earlier when negative), clamped to the month's end
    (31 March less a month is 28 or 29 February)."""
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    following = date(year + 1, 1, 1) if month == 11 else date(year, month + 2, 1)
    return day.replace(year=year, month=month + 1, day=min(day.day, (following - _ONE_DAY).day))


_ONE_DAY = timedelta(days=1)


def _shift(day: date, unit: CalendarUnit, count: int) -> date:
    """``day`` moved by ``count`` calendar ``unit``s (a week is seven days)."""
    if unit == "week":
        return day + timedelta(days=7 * count)
    return _add_months(day, count * (12 if unit == "year" else 1))


def calendar_days(name: str, *, tz: tzinfo, now: datetime) -> tuple[date, date]:
    """The first day of the calendar period ``name`` (``last-week``, …) in ``tz`` and the first
    day after it: ISO weeks start on Monday, months on the 1st, years on 1 January.

    >>> from datetime import UTC, datetime
    >>> calendar_days("last-week", tz=UTC, now=datetime(2026, 11, 4, 9, tzinfo=UTC))
    (datetime.date(2026, 10, 26), datetime.date(2026, 11, 2))
    """
    back, unit = CALENDAR_PERIODS[name]
    today = now.astimezone(tz).date()
    if unit == "week":
        current = today - timedelta(days=today.weekday())
    elif unit == "month":
        current = today.replace(day=1)
    else:
        current = today.replace(month=1, day=1)
    first = _shift(current, unit, back)
    return first, _shift(first, unit, 1)


def parse_bound(
    text: str,
    *,
    end: Literal["since", "until"],
    tz: tzinfo,
    now: datetime,
    option: str | None = None,
) -> datetime:
    """One end of a period as a UTC instant (see the module docstring for the forms).

    Raises ``UsageError`` naming ``option`` (default ``--since`` or ``--until``) for a value it
    cannot read or one outside the supported times.
    """
    name = option or f"--{end}"
    value = text.strip()
    lowered = value.lower()
    day: date | None = None
    instant: datetime | None
    if _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"{name}: '{text}' is not a valid date") from None
    try:
        local_today = now.astimezone(tz).date()
        if lowered == "today":
            day = local_today
        elif lowered == "yesterday":
            day = local_today - timedelta(days=1)
        if lowered in CALENDAR_PERIODS:
            first, after = calendar_days(lowered, tz=tz, now=now)
            instant = _day_start(first if end == "since" else after, tz)
        elif day is not None:
            instant = _day_start(day if end == "since" else day + timedelta(days=1), tz)
        elif lowered == "now":
            instant = now.astimezone(UTC)
        elif _RELATIVE.match(value):
            try:
                seconds = parse_duration(value)
            except AmbiguousUnit as error:
                raise UsageError(f"{name}: {error}") from None
            instant = (now - timedelta(seconds=seconds)).astimezone(UTC)
        else:
            instant = _instant(value, tz, f"{name}: cannot read '{text}'")
    except (OverflowError, ValueError):  # beyond what a datetime holds
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        shown = f" ({utc_text(instant)})" if instant is not None else ""
        raise UsageError(f"{name}: '{text}'{shown} is out of range (times {SUPPORTED_RANGE} only)")
    return instant


def _instant(value: str, tz: tzinfo, unreadable: str) -> datetime:
    """A datetime written in ISO 8601 as a UTC instant (naive: in ``tz``)."""
    try:
        if not _DATETIME.match(value):
            raise ValueError(value)
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"{unreadable} (expected a date like 2026-11-02, a datetime like 2026-11-02T09:00, "
            "a span like 7d or 12h, today, yesterday, or a calendar period: "
            f"{', '.join(CALENDAR_PERIODS)})"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=tz)
    return instant.astimezone(UTC)


def parse_period(
    since: str | None,
    until: str | None,
    *,
    tz: tzinfo,
    now: datetime | None = None,
    option: str | None = None,
) -> Period:
    """The period named by ``--since`` and ``--until``; raises ``UsageError`` if it is empty
    or out of range. ``option`` names the option both come from, if one (``--compare``).

    A calendar period as ``since`` with no ``until`` (or the same one) is that whole period.
    """
    for name, value in (("--since", since), ("--until", until)):
        if value is not None and not value.strip():
            raise UsageError(f"{option or name} is empty: give a date, a time or a period")
    current = now or clock()
    calendar = _calendar_name(since)
    if calendar is not None and until is None:
        until = since
    whole = calendar is not None and _calendar_name(until) == calendar
    start = parse_bound(since, end="since", tz=tz, now=current, option=option) if since else None
    stop = parse_bound(until, end="until", tz=tz, now=current, option=option) if until else None
    if start is not None and stop is not None and start >= stop:
        span = f"the period from {utc_text(start)} to {utc_text(stop)} is empty"
        if option is not None:
            raise UsageError(
                f"{option} {since}..{until}: START must be before END: {span} (a date as END "
                "includes that day)"
            )
        raise UsageError(
            f"--since {since} must be before --until {until}: {span} (a date as --until "
            "includes that day)"
        )
    return Period(start, stop, CALENDAR_PERIODS[calendar][1] if whole and calendar else None)


def utc_text(instant: datetime) -> str:
    """An instant as ISO 8601 in UTC, as the JSON report and the history file write it.

    >>> utc_text(datetime(2026, 11, 2, 1, 0, tzinfo=timezone(timedelta(hours=1))))
    '2026-11-02T00:00:00Z'
    """
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


COMPARE_MODES: tuple[str, ...] = ("previous", "previous-week", "previous-year")


def check_comparison(spec: str, *, tz: tzinfo, now: datetime) -> Period | None:
    """The period of a ``--compare START..END``, None for a mode (``previous``, …); raises
    ``UsageError`` for anything else."""
    if ".." in spec:
        start, _, stop = spec.partition("..")
        if not start.strip() and not stop.strip():  # every time: the report's own data again
            raise UsageError(
                f"--compare '{spec}': name a start, an end or both (START..END, e.g. "
                "2026-10-01..2026-10-31; 2026-10-01.. runs to the end of the data)"
            )
        return parse_period(start or None, stop or None, tz=tz, now=now, option="--compare")
    if spec not in COMPARE_MODES:
        raise UsageError(
            f"--compare: cannot read '{spec}' (expected previous, previous-week, previous-year "
            "or START..END, e.g. 2026-10-01..2026-10-31)"
        )
    return None


def comparison_period(
    current: Period, spec: str, *, tz: tzinfo, now: datetime | None = None
) -> Period:
    """The period ``--compare`` names: ``previous`` (as long, just before; as many local days
    before a period of whole days, of 23 or 25 hours on a clock change), ``previous-week`` and
    ``previous-year`` (the same local days a week or a year before), or ``START..END``.

    The current period needs a start (``--since``); an open end is now. A calendar period
    (``last-month``) is compared by the calendar: ``previous`` is the calendar period before it
    (the month before), and one not over yet (``this-month``) is compared up to now: with the
    same stretch of the earlier period. Raises ``UsageError``, also when the comparison period
    reaches outside the supported times.
    """
    moment = now or clock()
    explicit = check_comparison(spec, tz=tz, now=moment)
    if explicit is not None:
        return explicit
    if current.since is None:
        raise UsageError("--compare needs --since: the period to compare with an earlier one")
    until = _compared_end(current, moment)
    try:
        if spec == "previous" and current.calendar is not None:
            earlier = Period(
                _earlier_by(current.since, tz, current.calendar),
                _earlier_by(until, tz, current.calendar),
            )
        elif spec == "previous":
            earlier = Period(_as_long_before(current.since, until, tz), current.since)
        else:
            years, days = (1, 0) if spec == "previous-year" else (0, 7)
            earlier = Period(
                _earlier(current.since, tz, years, days), _earlier(until, tz, years, days)
            )
    except (OverflowError, ValueError):  # before the year 1
        earlier = Period()
    if earlier.since is None or earlier.since < EARLIEST:
        raise UsageError(
            f"--compare {spec}: the comparison period starts before 0001-01-02 (times "
            f"{SUPPORTED_RANGE} only)"
        )
    return earlier


def compared_period(current: Period, spec: str, *, now: datetime) -> Period:
    """The report's period when ``--compare spec`` compares it: with a mode (``previous``,
    ``previous-week``, ``previous-year``) an open end, or that of a calendar period not over
    yet, is now, as the period it is compared with ends at now or its counterpart, so that both
    are as long (a line dated after now, from a clock running ahead, is out of both); with
    explicit dates it stays as it is. A calendar period cut at now keeps its own end as
    ``calendar_end``.

    >>> now = datetime(2026, 11, 4, 9, tzinfo=UTC)  # a Wednesday
    >>> week = Period(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC), "week")
    >>> to_date = compared_period(week, "previous", now=now)
    >>> utc_text(to_date.until), utc_text(to_date.calendar_end)
    ('2026-11-04T09:00:00Z', '2026-11-09T00:00:00Z')
    """
    if spec not in COMPARE_MODES:
        return current
    end = _compared_end(current, now)
    cut = current.until if current.until is not None and end < current.until else None
    return Period(current.since, end, current.calendar, cut)


def _compared_end(current: Period, now: datetime) -> datetime:
    """Where the report's period ends under a comparison mode: an open end is now, and so is
    the end of a calendar period not over yet (``this-month``), whose comparison runs up to
    now's counterpart."""
    moment = now.astimezone(UTC)
    if current.until is None:
        return moment
    return min(current.until, moment) if current.calendar is not None else current.until


def comparison_warning(current: Period, earlier: Period, tz: tzinfo) -> str | None:
    """What is wrong with ``earlier`` (a ``--compare START..END``) as the period ``current`` is
    compared with, if anything: it should end by the time ``current`` starts."""
    if current.since is None:
        return (
            "the comparison period overlaps the report's period, which has no start (no "
            "--since): hits in both count in each"
        )
    if earlier.until is not None and earlier.until <= current.since:
        return None
    start = local_minute(current.since, tz)
    if earlier.since is not None and earlier.since >= current.since:
        return (
            f"the comparison period does not start before the report's period ({start}): "
            "each change is against the same or a later period, not an earlier one"
        )
    return (
        f"the comparison period overlaps the report's period, which starts {start}: hits in "
        "both count in each"
    )


def _as_long_before(since: datetime, until: datetime, tz: tzinfo) -> datetime:
    """Where the period as long as ``[since, until)`` that ends at ``since`` starts: as many
    local days before, for a period of whole days (a day of 23 or 25 hours on a clock change
    is compared with the day before), else as many hours."""
    days = _whole_days(since, until, tz)
    return since - (until - since) if days is None else _earlier(since, tz, 0, days)


def _whole_days(since: datetime, until: datetime, tz: tzinfo) -> int | None:
    """How many local days ``[since, until)`` is when both ends are local midnights, else None.

    >>> from zoneinfo import ZoneInfo
    >>> paris = ZoneInfo("Europe/Paris")  # 25 October 2026 is 25 hours long there
    >>> midnight = datetime(2026, 10, 24, 22, tzinfo=UTC)  # 25 October, 00:00 in Paris
    >>> _whole_days(midnight, midnight + timedelta(hours=25), paris)
    1
    >>> _whole_days(midnight, midnight + timedelta(hours=24), paris)  # 23:00, no midnight
    """
    start, end = since.astimezone(tz), until.astimezone(tz)
    if start.time() != time() or end.time() != time():
        return None
    return (end.date() - start.date()).days


def _earlier_by(instant: datetime, tz: tzinfo, unit: CalendarUnit) -> datetime:
    """The same local wall time one calendar ``unit`` before (31 March → 28 February)."""
    local = instant.astimezone(tz).replace(tzinfo=None)
    day = _shift(local.date(), unit, -1)
    return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)


def _earlier(instant: datetime, tz: tzinfo, years: int, days: int) -> datetime:
    """The same local wall time ``years`` years and ``days`` days before (29 Feb → 28 Feb)."""
    local = instant.astimezone(tz).replace(tzinfo=None) - timedelta(days=days)
    if years:
        try:
            local = local.replace(year=local.year - years)
        except ValueError:  # 29 February in a year without one
            local = local.replace(year=local.year - years, day=28)
    return local.replace(tzinfo=tz).astimezone(UTC)


def zone_name(tz: tzinfo) -> str:
    """The name of ``tz`` as Polars and the JSON report know it: an IANA key, ``UTC`` or an
    offset like ``+01:00``.

    >>> from datetime import timedelta, timezone
    >>> zone_name(timezone(timedelta(hours=-5, minutes=-30)))
    '-05:30'
    """
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None)
    if tz is UTC or offset is None or not offset:
        return "UTC"
    return _offset_text(offset)


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def repeated_hour_offset(local: datetime) -> str:
    """`` +02:00``, the UTC offset of ``local``, when its wall time occurs twice in its zone
    (the hour repeated as clocks go back), so that a time shown without its offset tells which;
    else empty.

    >>> berlin = ZoneInfo("Europe/Berlin")
    >>> first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC).astimezone(berlin)
    >>> f"{first:%H:%M}{repeated_hour_offset(first)}"
    '02:30 +02:00'
    >>> repeated_hour_offset(datetime(2026, 10, 25, 4, 0, tzinfo=berlin))
    ''
    """
    offset = local.utcoffset()
    if offset is None or local.replace(fold=1 - local.fold).utcoffset() == offset:
        return ""
    return " " + _offset_text(offset)


def local_minute(instant: datetime, tz: tzinfo) -> str:
    """``2026-11-02 09:00``: an instant to the minute in ``tz``, with its offset in the hour
    repeated as clocks go back (``repeated_hour_offset``).

    >>> local_minute(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    '2026-10-25 02:30 +01:00'
    """
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M}{repeated_hour_offset(local)}"

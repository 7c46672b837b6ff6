"""Report periods: ``--since``/``--until`` values and the report's time zone.

A date (``2026-11-02``, ``today``, ``yesterday``) means the whole day: as ``--since`` its start,
as ``--until`` the start of the next day. A datetime is an instant and the period is half-open,
``[since, until)``. A relative span (``7d``, ``12h``) counts back from now. Naive values are in
the report's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from micromacro.errors import UsageError
from micromacro.timespans import parse_duration

_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{2}):?(\d{2})$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RELATIVE = re.compile(r"^\d+(?:\.\d+)?\s*[smhdw]$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A half-open period ``[since, until)`` in UTC; either end may be open (None)."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def bounded(self) -> bool:
        """Whether either end is set."""
        return self.since is not None or self.until is not None


def parse_timezone(text: str) -> tzinfo:
    """``UTC``, an offset (``+01:00``, ``-0530``) or an IANA name (``Europe/Paris``).

    >>> parse_timezone("+0130")
    datetime.timezone(datetime.timedelta(seconds=5400))
    """
    if text.upper() in ("UTC", "Z", "GMT"):
        return UTC
    match = _OFFSET.match(text.strip())
    if match:
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"unknown time zone '{text}' (expected UTC, an offset like +01:00, "
            "or a name like Europe/Paris)"
        ) from None


def _day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def parse_bound(
    text: str, *, end: Literal["since", "until"], tz: tzinfo, now: datetime
) -> datetime:
    """One end of a period as a UTC instant (see the module docstring for the forms)."""
    value = text.strip()
    lowered = value.lower()
    local_today = now.astimezone(tz).date()
    day: date | None = None
    if lowered == "today":
        day = local_today
    elif lowered == "yesterday":
        day = local_today - timedelta(days=1)
    elif _DATE.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--{end}: '{text}' is not a valid date") from None
    if day is not None:
        return _day_start(day if end == "since" else day + timedelta(days=1), tz)
    if lowered == "now":
        return now.astimezone(UTC)
    if _RELATIVE.match(value):
        return (now - timedelta(seconds=parse_duration(value))).astimezone(UTC)
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--{end}: cannot read '{text}' (expected a date like 2026-11-02, a datetime like "
            "2026-11-02T09:00, a span like 7d or 12h, today or yesterday)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=tz)
    return instant.astimezone(UTC)


def parse_period(
    since: str | None, until: str | None, *, tz: tzinfo, now: datetime | None = None
) -> Period:
    """The period named by ``--since`` and ``--until``; raises ``UsageError`` if it is empty."""
    current = now or datetime.now(UTC)
    start = parse_bound(since, end="since", tz=tz, now=current) if since else None
    stop = parse_bound(until, end="until", tz=tz, now=current) if until else None
    if start is not None and stop is not None and start >= stop:
        raise UsageError(
            f"--since {since} must be before --until {until}: the period from "
            f"{_utc(start)} to {_utc(stop)} is empty (a date as --until includes that day)"
        )
    return Period(start, stop)


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


COMPARE_MODES: tuple[str, ...] = ("previous", "previous-week", "previous-year")


def comparison_period(
    current: Period, spec: str, *, tz: tzinfo, now: datetime | None = None
) -> Period:
    """The period ``--compare`` names: ``previous`` (as long, just before), ``previous-week``
    and ``previous-year`` (the same local days a week or a year before), or ``START..END``.

    The current period needs a start (``--since``); an open end is now. Raises ``UsageError``.
    """
    moment = now or datetime.now(UTC)
    if ".." in spec:
        start, _, stop = spec.partition("..")
        return parse_period(start or None, stop or None, tz=tz, now=moment)
    if spec not in COMPARE_MODES:
        raise UsageError(
            f"--compare: cannot read '{spec}' (expected previous, previous-week, previous-year "
            "or START..END, e.g. 2026-10-01..2026-10-31)"
        )
    if current.since is None:
        raise UsageError("--compare needs --since: the period to compare with an earlier one")
    until = current.until or moment.astimezone(UTC)
    if spec == "previous":
        return Period(current.since - (until - current.since), current.since)
    years, days = (1, 0) if spec == "previous-year" else (0, 7)
    return Period(_earlier(current.since, tz, years, days), _earlier(until, tz, years, days))


def _earlier(instant: datetime, tz: tzinfo, years: int, days: int) -> datetime:
    """The same local wall time ``years`` years and ``days`` days before (29 Feb → 28 Feb)."""
    local = instant.astimezone(tz).replace(tzinfo=None) - timedelta(days=days)
    if years:
        try:
            local = local.replace(year=local.year - years)
        except ValueError:  # 29 February in a year without one
            local = local.replace(year=local.year - years, day=28)
    return local.replace(tzinfo=tz).astimezone(UTC)

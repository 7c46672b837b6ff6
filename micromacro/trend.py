"""The trend (definitions §2.6): sessions, visitors and the macro and micro conversion rates
per day of the period, or per hour for a period of two days or less, in the report's time zone.

Sessions count in the day or hour their first hit falls in, and a visitor in each day or hour
one of their sessions starts in. Every day or hour of the period has a row, those without
sessions too, so a quiet day shows as a dip rather than a gap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

import polars as pl

from micromacro.dimension_values import local_time
from micromacro.goals import Goal
from micromacro.metrics import converted_kind, has_kind
from micromacro.periods import zone_name
from micromacro.rows import NO_TREND, Trend, TrendRow

# A period of at most this long on the clocks of its time zone is drawn per hour, a longer one
# per day: two local days are hourly, a 49-hour pair of days with the clocks going back too.
HOURLY_UP_TO = timedelta(days=2)
# A period of more days than this (a --since long before the first hit) is drawn from the day
# of its first hit to that of its last (no row without one): the rows stay a readable number.
MAX_ROWS = 1000
_LABELS = {"day": "%Y-%m-%d", "hour": "%Y-%m-%dT%H:00"}
_MICROSECOND = timedelta(microseconds=1)
# A walk in quarter hours from the start of a local hour meets every local hour after it that
# lasts a quarter hour or more, whatever the clocks do (Lord Howe Island moves them by half an
# hour); the hour of the walk's end is added to it.
_QUARTER_HOUR = timedelta(minutes=15)


def trend_unit(start: datetime, end: datetime, tz: tzinfo = UTC) -> str:
    """``hour`` for a period of two days or less on the wall clocks of ``tz``, else ``day``.

    >>> start = datetime(2026, 11, 2, tzinfo=UTC)
    >>> trend_unit(start, start + timedelta(days=2)), trend_unit(start, start + timedelta(hours=49))
    ('hour', 'day')
    """
    wall = end.astimezone(tz).replace(tzinfo=None) - start.astimezone(tz).replace(tzinfo=None)
    return "hour" if wall <= HOURLY_UP_TO else "day"


def bucket_labels(first: datetime, last: datetime, tz: tzinfo, unit: str) -> list[str]:
    """The labels of every day or hour from the one holding ``first`` to the one holding
    ``last`` (both included), in the wall time of ``tz``: an hour the clocks skip has no
    label, one they repeat has one.

    >>> bucket_labels(datetime(2026, 11, 2, 22, 30, tzinfo=UTC),
    ...               datetime(2026, 11, 3, 0, 10, tzinfo=UTC), UTC, "hour")
    ['2026-11-02T22:00', '2026-11-02T23:00', '2026-11-03T00:00']
    """
    if unit == "day":
        day, final = first.astimezone(tz).date(), last.astimezone(tz).date()
        days = (final - day).days
        return [(day + timedelta(days=n)).isoformat() for n in range(days + 1)]
    instant = first.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    labels: dict[str, None] = {}
    while instant <= last:
        labels[_hour_label(instant.astimezone(tz))] = None
        instant += _QUARTER_HOUR
    labels[_hour_label(last.astimezone(tz))] = None
    return list(labels)


def _hour_label(local: datetime) -> str:
    """The label of the local hour ``local`` is in, as ``_LABELS`` writes it (the year in four
    digits, which ``strftime`` leaves out before the year 1000 on some systems).

    >>> _hour_label(datetime(999, 1, 2, 10, 45))
    '0999-01-02T10:00'
    """
    return local.replace(minute=0, second=0, microsecond=0, tzinfo=None).isoformat("T", "minutes")


def session_trend(
    conversions: pl.DataFrame,
    goals: tuple[Goal, ...],
    *,
    start: datetime | None,
    end: datetime | None,
    end_included: bool,
    tz: tzinfo,
    hits: tuple[datetime, datetime] | None = None,
) -> Trend:
    """The trend of the sessions of ``conversions`` (``session_conversions``) over the period
    ``start`` to ``end`` (``end`` itself in it when ``end_included``: the last hit of a period
    without ``--until``). ``hits`` are the first and last hit, to which a period of more than
    ``MAX_ROWS`` days or hours is cut. Empty without a period."""
    if start is None or end is None:
        return NO_TREND
    unit = trend_unit(start, end, tz)
    last = end if end_included else end - _MICROSECOND
    labels = bucket_labels(start, last, tz, unit) if last >= start else []
    if len(labels) > MAX_ROWS:
        cut = [] if hits is None else [max(start, hits[0]), min(last, hits[1])]
        labels = bucket_labels(cut[0], cut[1], tz, unit) if cut else []
    counts = (
        conversions.select(
            local_time(pl.col("start"), zone_name(tz)).dt.strftime(_LABELS[unit]).alias("start"),
            pl.col("visitor_id"),
            converted_kind(goals, "macro").alias("macro"),
            converted_kind(goals, "micro").alias("micro"),
        )
        .group_by("start")
        .agg(
            pl.len().alias("sessions"),
            pl.col("visitor_id").n_unique().alias("visitors"),
            pl.col("macro").sum().alias("macro_sessions"),
            pl.col("micro").sum().alias("micro_sessions"),
        )
    )
    found = {row[0]: tuple(int(n) for n in row[1:]) for row in counts.iter_rows()}
    macro_goals, micro_goals = has_kind(goals, "macro"), has_kind(goals, "micro")
    rows = []
    for label in labels:
        sessions, visitors, macro, micro = found.get(label, (0, 0, 0, 0))
        rows.append(
            TrendRow(
                start=label,
                sessions=sessions,
                visitors=visitors,
                macro_sessions=macro,
                macro_conversion_rate=_share(macro, sessions) if macro_goals else None,
                micro_sessions=micro,
                micro_conversion_rate=_share(micro, sessions) if micro_goals else None,
            )
        )
    return Trend(unit, tuple(rows))


def _share(part: int, whole: int) -> float | None:
    """``part`` / ``whole``; None when ``whole`` is 0 (an hour without sessions has no rate)."""
    return part / whole if whole else None

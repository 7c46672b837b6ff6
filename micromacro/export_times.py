"""Times of event exports: a time column of any type read as ``Datetime[µs, UTC]``, by the
``timestamp:`` of the goals file's ``source:`` section (README: Event exports, Times).

Date and datetime columns are taken as they are (naive ones in the source's time zone); numbers
need an ``epoch_…`` format; text is ISO 8601 by default (its common shapes first, every shape
for the rest) or a strftime pattern. ``exports`` reads each file's times with ``time_reading``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import polars as pl

from micromacro.errors import InputError
from micromacro.goals import TimestampField
from micromacro.periods import EARLIEST, LATEST

# Microseconds per unit of each epoch format.
EPOCH_FACTORS = {"epoch_s": 1_000_000, "epoch_ms": 1_000, "epoch_us": 1}
_EPOCH_DAY = date(1970, 1, 1)
# The year 10000 in microseconds since 1970: an epoch number at or past it (either way) is a
# time out of range.
_MAX_EPOCH_US = 253_402_300_800_000_000
# A day before the first supported time, in microseconds since 1970.
_BEFORE_EARLIEST_US = (EARLIEST - timedelta(days=1) - datetime(1970, 1, 1, tzinfo=UTC)) // (
    timedelta(microseconds=1)
)
# An offset runs from 00:00 to 23:59 (RFC 3339): a time with another is no time.
_ISO_8601 = (
    r"^\s*(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2})(:\d{2}(?:[.,]\d+)?)?)?"
    r"\s*([Zz]|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?\s*$"
)
# The end of a time whose offset is a day or more, or has 60 minutes or more.
_IMPOSSIBLE_OFFSET = r"[+-](?:2[4-9]|[3-9][0-9])(?::?[0-9]{2})?$|[+-][0-9]{2}:?[6-9][0-9]$"


def localise(naive: pl.Expr, zone: tzinfo) -> pl.Expr:
    """Naive datetimes read in ``zone``, as UTC (a time that does not exist there is null; one
    that occurs twice is the earlier)."""
    if isinstance(zone, ZoneInfo):
        return naive.dt.replace_time_zone(
            zone.key, ambiguous="earliest", non_existent="null"
        ).dt.convert_time_zone("UTC")
    offset = zone.utcoffset(None) or timedelta(0)
    return (naive - pl.lit(offset)).dt.replace_time_zone("UTC")


def _offset_minutes(offset: pl.Expr) -> pl.Expr:
    """Minutes east of UTC of ``Z``, ``+01``, ``+0100`` or ``-01:00``."""
    digits = offset.str.replace_all(r"[^0-9]", "")
    hours = digits.str.slice(0, 2).cast(pl.Int64, strict=False).fill_null(0)
    minutes = digits.str.slice(2, 2).cast(pl.Int64, strict=False).fill_null(0)
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    return sign * (hours * 60 + minutes)


def iso8601(text: pl.Expr, zone: tzinfo) -> pl.Expr:
    """ISO 8601 text (``2026-11-02T09:15:03.25+01:00``, ``…Z``, a space for ``T``, a date alone)
    as UTC; text without an offset is read in ``zone``."""
    parts = text.str.extract_groups(_ISO_8601)
    date, clock, seconds, offset = (parts.struct.field(str(i)) for i in range(1, 5))
    naive = pl.concat_str(
        date,
        pl.lit("T"),
        clock.fill_null("00:00"),
        seconds.fill_null(":00").str.replace(",", ".", literal=True),
    ).str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    shifted = (naive - pl.duration(minutes=_offset_minutes(offset))).dt.replace_time_zone("UTC")
    return pl.when(offset.is_null()).then(localise(naive, zone)).otherwise(shifted)


def iso8601_common(text: pl.Expr, zone: tzinfo) -> pl.Expr:
    """The common shapes of ISO 8601 (``T`` or a space, seconds with or without a fraction, an
    offset, ``Z`` or none) as UTC, faster than ``iso8601``; null for the other shapes."""
    joined = text.str.replace(" ", "T", literal=True)
    aware = joined.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us")
    aware = pl.when(~joined.str.contains(_IMPOSSIBLE_OFFSET)).then(aware)
    naive = joined.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us")
    return pl.coalesce(aware.dt.convert_time_zone("UTC"), localise(naive, zone))


@dataclass(frozen=True)
class TimeReading:
    """How to read a file's times: ``first`` over its time column, then ``rest`` over the text
    of the times ``first`` could not read (None: there is nothing more to try)."""

    first: pl.Expr
    rest: Callable[[pl.Expr], pl.Expr] | None = None


def epoch(number: pl.Expr, dtype: pl.DataType, time_format: str) -> pl.Expr:
    """Seconds, milliseconds or microseconds since 1970 (numbers or text) as UTC times."""
    factor = EPOCH_FACTORS[time_format]
    if not dtype.is_numeric():
        number = number.cast(pl.String).str.strip_chars()
    scaled = number.cast(pl.Float64, strict=False) * factor
    from_float = scaled.round().cast(pl.Int64, strict=False)
    # Whole numbers exactly, as integers; floats and decimals (a fraction of a second) by
    # their value.
    micros = (
        from_float
        if dtype.is_float() or isinstance(dtype, pl.Decimal)
        else pl.coalesce(number.cast(pl.Int64, strict=False) * factor, from_float)
    )
    # A number beyond the times a datetime holds is a time out of range, not no time at all: it
    # stands for a moment past the supported ones on its side (NaN stays no time).
    placed = (
        pl.when(scaled.abs() < _MAX_EPOCH_US)
        .then(micros)
        .when(scaled > 0)
        .then(pl.lit(_MAX_EPOCH_US))
        .when(scaled < 0)
        .then(pl.lit(_BEFORE_EARLIEST_US))
    )
    return placed.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _strftime(text: pl.Expr, pattern: str, zone: tzinfo) -> pl.Expr:
    parsed = text.str.to_datetime(pattern, strict=False, time_unit="us")
    probe = pl.LazyFrame({"t": [""]}).select(
        pl.col("t").str.to_datetime(pattern, strict=False, time_unit="us")
    )
    has_offset = getattr(probe.collect_schema()["t"], "time_zone", None) is not None
    return parsed.dt.convert_time_zone("UTC") if has_offset else localise(parsed, zone)


_PER_SECOND = {"ms": 1_000, "us": 1_000_000}


def within_calendar(column: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A date or datetime column with the times far beyond the supported ones moved to a day
    beyond them (still out of range): Polars cannot convert or show a time past the year
    262143 without a panic. Other columns are returned as they are."""
    if isinstance(dtype, pl.Datetime) and dtype.time_unit in _PER_SECOND:
        scale = _PER_SECOND[dtype.time_unit]
        bounds = (int(EARLIEST.timestamp()) - 86400, int(LATEST.timestamp()) + 86400)
    elif dtype == pl.Date:
        scale = 1
        bounds = ((EARLIEST.date() - _EPOCH_DAY).days - 1, (LATEST.date() - _EPOCH_DAY).days + 1)
    else:  # nanoseconds reach from 1677 to 2262 only
        return column
    low, high = (bound * scale for bound in bounds)
    return column.to_physical().clip(low, high).cast(dtype)


def time_reading(
    column: pl.Expr, dtype: pl.DataType, stamp: TimestampField, zone: tzinfo, file_name: str
) -> TimeReading:
    """How to read each row's time as ``Datetime[µs, UTC]`` (null where it cannot be read).

    Date and datetime columns are taken as they are (naive ones in ``zone``); numbers need an
    ``epoch_…`` format; text is read by the format (ISO 8601 by default: its common shapes
    first, then every shape ``iso8601`` knows for the rows left).
    """
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return TimeReading(column.dt.convert_time_zone("UTC").dt.cast_time_unit("us"))
        return TimeReading(localise(column.dt.cast_time_unit("us"), zone))
    if dtype == pl.Date:
        return TimeReading(localise(column.cast(pl.Datetime("us")), zone))
    time_format = stamp.format
    if time_format in EPOCH_FACTORS:
        return TimeReading(epoch(column, dtype, time_format))
    if dtype.is_numeric():
        raise InputError(
            f"{file_name}: the timestamp column {stamp.column!r} holds numbers: give its "
            "format in the source section (epoch_s, epoch_ms or epoch_us)"
        )
    if dtype.is_nested() or dtype.is_temporal():
        raise InputError(
            f"{file_name}: the timestamp column {stamp.column!r} holds {dtype}, not times"
        )
    text = column.cast(pl.String)
    if time_format is None or time_format == "iso8601":
        return TimeReading(iso8601_common(text, zone), lambda rest: iso8601(rest, zone))
    return TimeReading(_strftime(text, time_format, zone))

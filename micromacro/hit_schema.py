"""The canonical hit table (definitions §2.1) by name and type, and the buckets an input line or an
event-export row is counted in (definitions §2.2).

These are the names the rest of the program, and a goals file, refer to: ``keep:`` of an event
export may not reuse a hit column's name, and an alert rule may name any bucket as
``input.BUCKET``. ``hits`` decides the bucket of each access-log line, ``exports`` that of each
row of an event export.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TypeVar

import polars as pl

BUCKETS: tuple[str, ...] = (
    "comment",
    "duplicate",
    "not_http",
    "malformed",
    "out_of_period",
    "excluded",
    "bot",
    "static",
    "error",
    "request",
    "redirect",
    "other_method",
    "download",
    "page",
)
COUNTED_BUCKETS: tuple[str, ...] = ("request", "download", "page")
# A frame of either kind: a function taking one gives back the same kind.
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)
BUCKET = pl.Enum(BUCKETS)
# Event exports have no bots, static files, status codes or methods: a row is malformed (no
# valid time, or neither a user id nor an anonymous id), out of the period, skipped (a kind of
# row the mapping does not count, such as Segment's identify calls), excluded (a row that
# would count, on a path the goals file excludes), a duplicate, a row that counts for its
# session only (GA4's session_start, first_visit and user_engagement: the session exists and
# lasts to it, but it is neither a pageview nor an event), a pageview or an event.
EXPORT_BUCKETS: tuple[str, ...] = (
    "malformed", "out_of_period", "skipped", "excluded", "duplicate", "session_only", "page",
    "event",
)  # fmt: skip
COUNTED_EXPORT_BUCKETS: tuple[str, ...] = ("session_only", "page", "event")
EXPORT_BUCKET = pl.Enum(EXPORT_BUCKETS)
# A hit's kind: a pageview, an event, or (event exports only) a row that counts for its session
# only, which no goal, funnel step, pageview or event count ever takes.
KIND = pl.Enum(["page", "event", "session_only"])

# The canonical hit table of definitions §2.1, in order; every input format produces these columns.
HIT_SCHEMA: dict[str, pl.DataType] = {
    "ts": pl.Datetime("us", "UTC"),
    "visitor": pl.String(),
    "session_id": pl.String(),
    "kind": KIND,
    "host": pl.String(),
    "method": pl.String(),
    "path": pl.String(),
    "query": pl.String(),
    "status": pl.Int16(),
    "bytes": pl.Int64(),
    "referrer": pl.String(),
    "user_agent": pl.String(),
    "ip": pl.String(),
    "event_category": pl.String(),
    "event_action": pl.String(),
    "event_label": pl.String(),
    "event_name": pl.String(),
    "event_value": pl.Float64(),
    "revenue": pl.Float64(),
    "currency": pl.String(),
    "source_file": pl.String(),
    "line_no": pl.UInt32(),
}


# The largest value (in absolute terms) a hit's number may have to count as a value: a
# thousand trillion of any currency, beyond any one sale, and small enough that no sum or
# variance of values can overflow a float (definitions §2.4). A larger number is no value.
MAX_VALUE = 1e15


def usable_value(value: pl.Expr) -> pl.Expr:
    """A number column as values: a number that is not finite, or beyond ``MAX_VALUE`` either
    way, is null, no value.

    >>> numbers = pl.DataFrame({"n": [12.5, -3.0, float("nan"), float("inf"), 1e15, -2e15]})
    >>> numbers.select(usable_value(pl.col("n"))).to_series().to_list()
    [12.5, -3.0, None, None, 1000000000000000.0, None]
    """
    return pl.when(value.is_finite() & (value.abs() <= MAX_VALUE)).then(value)


def as_number(text: pl.Expr) -> pl.Expr:
    """Text as the number a value column holds (``" 12.50"`` is 12.5): text that is no finite
    number, or one beyond ``MAX_VALUE``, is null, no value.

    >>> texts = pl.DataFrame({"t": ["12.50", " 3 ", "NaN", "1e999", "1e308", "€4", ""]})
    >>> texts.select(as_number(pl.col("t"))).to_series().to_list()
    [12.5, 3.0, None, None, None, None, None]
    """
    return usable_value(text.str.strip_chars().cast(pl.Float64, strict=False))


# Columns the hits of an event export carry after the canonical ones, each only when the
# mapping names it (the ``source:`` key of the same name): how much engagement a row reports
# and whether it marks its session engaged (GA4's ``engagement_time_msec`` and
# ``session_engaged``); the export's own attribution of the row (its campaign's source, medium
# and name, and whether it carries a Google Ads or Campaign Manager click id: GA4's
# ``collected_traffic_source``, Segment's ``context.campaign``); and the source, medium and
# campaign that first brought its user (GA4's ``traffic_source``). Campaign values are few and
# repeated on many rows, hence categorical; a click id is only looked at for being there.
EXPORT_HIT_COLUMNS: dict[str, pl.DataType] = {
    "engagement_time_ms": pl.Float64(),
    "session_engaged": pl.Boolean(),
    "campaign_source": pl.Categorical(),
    "campaign_medium": pl.Categorical(),
    "campaign_name": pl.Categorical(),
    "gclid": pl.Boolean(),
    "dclid": pl.Boolean(),
    "first_user_source": pl.Categorical(),
    "first_user_medium": pl.Categorical(),
    "first_user_campaign": pl.Categorical(),
}


# The string columns of access-log hits that repeat a few values over many hits (a visitor and
# its user agent on every hit of the visitor, a site's paths and referrers): categorical from
# the chunk they are read in (``compact_strings``) until the hits are in session order
# (``sessions.sessionize``), so a run's hits hold each distinct value once while they pile up
# and are sorted.
ENCODED_COLUMNS: tuple[str, ...] = (
    "visitor", "host", "path", "query", "referrer", "user_agent",
    "event_category", "event_action", "event_label",
)  # fmt: skip
# Of those, the columns no stage after ``sessionize`` reads as text hit by hit: the visitor
# (named by its ``visitor_id`` from then on), and the host, referrer and user agent, read on
# each session's first hit (its source and device) or as distinct values (the site's own
# host). They stay categorical; a stage that takes them makes strings of what it took
# (``decode_strings``).
SESSION_ENCODED_COLUMNS: tuple[str, ...] = ("visitor", "host", "referrer", "user_agent")


def compact_strings(frame: FrameT, encoded: Sequence[str] = ()) -> FrameT:
    """Copy the string columns of a filtered frame into buffers of their own; those named in
    ``encoded`` become categorical instead (each distinct value kept once, ``decode_strings``
    turns them back). Lazy when ``frame`` is.

    A filtered string column still points into the buffers of the whole chunk it came from;
    keeping a few counted hits per chunk would otherwise keep every chunk alive.
    """
    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    strings = [name for name, dtype in schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.col(name).cast(pl.Categorical)
        if name in encoded
        else pl.concat_str(pl.col(name), pl.lit("")).alias(name)
        for name in strings
    )


def held_bytes(frame: pl.DataFrame) -> int:
    """The memory ``frame``'s hits take, as ``--hit-memory`` counts it: each row as wide as its
    columns' values, with a validity bit a column; string columns as they are held. The same
    figure for hits just parsed and for the same hits read from the hit cache, whose columns
    carry validity buffers where nothing is null (``estimated_size`` counts those)."""
    strings = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    width = _row_width(tuple((n, dtype) for n, dtype in frame.schema.items() if dtype != pl.String))
    return round(width * frame.height) + int(frame.select(strings).estimated_size())


_ROWS_MEASURED = 64  # rows of nulls a row's width is measured on: a whole byte of validity


@functools.lru_cache(maxsize=64)
def _row_width(columns: tuple[tuple[str, pl.DataType], ...]) -> float:
    """The bytes a row of ``columns`` (name, type) takes: the same for every chunk of a run,
    so measured once (on ``_ROWS_MEASURED`` rows of nulls)."""
    empty = pl.DataFrame(schema=dict(columns))
    return empty.clear(_ROWS_MEASURED).estimated_size() / _ROWS_MEASURED


def decode_strings(frame: pl.DataFrame, encoded: Sequence[str]) -> pl.DataFrame:
    """The columns of ``frame`` named in ``encoded`` that ``compact_strings`` made categorical,
    strings again."""
    return frame.with_columns(
        pl.col(name).cast(pl.String)
        for name, dtype in frame.schema.items()
        if name in encoded and dtype == pl.Categorical
    )

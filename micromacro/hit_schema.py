"""The canonical hit table (definitions §2.1) by name and type, and the buckets an input line or an
event-export row is counted in (definitions §2.2).

These are the names the rest of the program, and a goals file, refer to: ``keep:`` of an event
export may not reuse a hit column's name, and an alert rule may name any bucket as
``input.BUCKET``. ``hits`` decides the bucket of each access-log line, ``exports`` that of each
row of an event export.
"""

from __future__ import annotations

import polars as pl

BUCKETS: tuple[str, ...] = (
    "comment",
    "duplicate",
    "not_http",
    "malformed",
    "out_of_period",
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
BUCKET = pl.Enum(BUCKETS)
# Event exports have no bots, static files, status codes or methods: a row is malformed (no
# valid time, or neither a user id nor an anonymous id), out of the period, skipped (a kind of
# row the mapping does not count, such as Segment's identify calls), a pageview or an event.
EXPORT_BUCKETS: tuple[str, ...] = ("malformed", "out_of_period", "skipped", "page", "event")
COUNTED_EXPORT_BUCKETS: tuple[str, ...] = ("page", "event")
EXPORT_BUCKET = pl.Enum(EXPORT_BUCKETS)
KIND = pl.Enum(["page", "event"])

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


def as_number(text: pl.Expr) -> pl.Expr:
    """Text as the number a value column holds (``" 12.50"`` is 12.5): text that is no finite
    number is null, no value.

    >>> texts = pl.DataFrame({"t": ["12.50", " 3 ", "NaN", "1e999", "€4", ""]})
    >>> texts.select(as_number(pl.col("t"))).to_series().to_list()
    [12.5, 3.0, None, None, None, None]
    """
    value = text.str.strip_chars().cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)

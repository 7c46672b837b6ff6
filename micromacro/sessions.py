"""Sessions (definitions §2.3): a visitor's counted hits in time order, split where the gap
exceeds the timeout, or grouped by the input's own session id where it carries one."""

from __future__ import annotations

import polars as pl

DEFAULT_TIMEOUT_S = 30 * 60

# Hit order: time, then input file (in the order given), then line.
HIT_ORDER = ("ts", "source_file", "line_no")


def sessionize(hits: pl.DataFrame, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> pl.DataFrame:
    """Sort counted hits by visitor and hit order and number their sessions.

    Adds ``visitor_id`` (an integer id per distinct ``visitor``) and ``session`` (0, 1, 2, … in
    visitor then time order). A new session starts at a visitor's first hit, where the gap to the
    previous hit is greater than ``timeout_s`` seconds (no input session id), or where the input
    session id changes.

    >>> from datetime import datetime, UTC
    >>> hits = pl.DataFrame({"visitor": ["a", "a", "a"], "session_id": [None, None, None],
    ...     "ts": [datetime(2026, 1, 1, 9, 0, tzinfo=UTC), datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
    ...            datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)],
    ...     "source_file": ["x", "x", "x"], "line_no": [1, 2, 3]})
    >>> sessionize(hits)["session"].to_list()
    [0, 0, 1]
    """
    timeout = pl.duration(microseconds=round(timeout_s * 1_000_000))
    ordered = hits.with_columns(
        visitor_id=pl.col("visitor").cast(pl.Categorical).to_physical().cast(pl.UInt32)
    ).sort(["visitor_id", "session_id", *HIT_ORDER], nulls_last=True)
    same_visitor = pl.col("visitor_id") == pl.col("visitor_id").shift()
    session_id = pl.col("session_id")
    same_input_session = session_id.eq_missing(session_id.shift())
    within_timeout = (pl.col("ts") - pl.col("ts").shift()) <= timeout
    continues = same_visitor & pl.when(session_id.is_null()).then(within_timeout).otherwise(
        same_input_session
    )
    starts = ~continues.fill_null(False)
    return ordered.with_columns(session=(starts.cum_sum() - 1).cast(pl.UInt32))


def session_table(hits: pl.DataFrame) -> pl.DataFrame:
    """One row per session of sessionized hits (rows in session order, hit order within).

    Columns: ``session``, ``visitor_id``, ``start``, ``end``, ``duration_s`` (last − first hit),
    ``pageviews``, ``events``, ``bounce`` (exactly one pageview and no event), ``landing_page``
    and ``exit_page`` (paths of the first and last pageview; null without pageviews).
    """
    is_page = pl.col("kind") == "page"
    page_path = pl.col("path").filter(is_page)
    return (
        hits.group_by("session")
        .agg(
            pl.col("visitor_id").first(),
            pl.col("ts").min().alias("start"),
            pl.col("ts").max().alias("end"),
            is_page.sum().cast(pl.UInt32).alias("pageviews"),
            (~is_page).sum().cast(pl.UInt32).alias("events"),
            page_path.first().alias("landing_page"),
            page_path.last().alias("exit_page"),
        )
        .with_columns(
            duration_s=(pl.col("end") - pl.col("start")).dt.total_microseconds() / 1_000_000,
            bounce=(pl.col("pageviews") == 1) & (pl.col("events") == 0),
        )
        .sort("session")
    )

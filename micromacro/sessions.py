"""Sessions (definitions §2.3): a visitor's counted hits in time order, split where the gap
exceeds the timeout, or grouped by the input's own session id where it carries one.

One rule for every input (README, "Visitors and sessions"): a hit with a session id belongs to
its visitor's session of that id. A hit without one joins the visitor's session whose nearest
keyed hit is within the timeout, as an absolute gap in time; the hits left over (all of an
access log's) form sessions among themselves by the inactivity rule. It is whole-column
expressions over the hits in visitor and hit order: a hit without an id looks at the visitor's
last keyed hit before it and first keyed hit after it (a forward and a backward fill), which are
its nearest keyed hits in time on either side.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from micromacro.hit_schema import ENCODED_COLUMNS, SESSION_ENCODED_COLUMNS, decode_strings
from micromacro.option_values import DEFAULT_SESSION_TIMEOUT_S

# GA4's engaged session (definitions §2.3): at least this many seconds of engagement, or this
# many pageviews (or a key event: a macro goal, which ``metrics`` adds).
ENGAGED_SECONDS = 10
ENGAGED_PAGEVIEWS = 2

# Hit order: time, then input file (in the order given), then line.
HIT_ORDER = ("ts", "source_file", "line_no")


def sessionize(hits: pl.DataFrame, *, timeout_s: float = DEFAULT_SESSION_TIMEOUT_S) -> pl.DataFrame:
    """Sort counted hits by visitor, session and hit order and number their sessions.

    Adds ``visitor_id`` (an integer id per distinct ``visitor``: the place of its first hit in
    ``hits``, which are in reading order; hits read apart bring their own) and ``session`` (0,
    1, 2, … in visitor order, then in the order of each session's first hit). Without session
    ids a new session starts at a visitor's first hit and where the gap to the previous hit is
    greater than ``timeout_s`` seconds. A hit with a session id belongs to its visitor's session
    of that id. A hit without one joins the session of the visitor's nearest keyed hit in time
    if that is at most ``timeout_s`` away (at equal distance the keyed hit before it wins; of
    keyed hits at the same time, the one nearest in hit order); the hits left over follow the
    inactivity rule among themselves.

    >>> from datetime import datetime, UTC
    >>> hits = pl.DataFrame({"visitor": ["a", "a", "a"], "session_id": [None, None, None],
    ...     "ts": [datetime(2026, 1, 1, 9, 0, tzinfo=UTC), datetime(2026, 1, 1, 9, 30, tzinfo=UTC),
    ...            datetime(2026, 1, 1, 10, 0, 1, tzinfo=UTC)],
    ...     "source_file": ["x", "x", "x"], "line_no": [1, 2, 3]})
    >>> sessionize(hits)["session"].to_list()
    [0, 0, 1]
    """
    timeout = pl.duration(microseconds=round(timeout_s * 1_000_000))
    if "visitor_id" not in hits.columns:  # hits read apart bring their own (``hit_partitions``)
        place = hits.with_row_index(_POSITION)
        hits = place.with_columns(visitor_id=pl.col(_POSITION).min().over("visitor")).drop(
            _POSITION
        )
    ordered = hits.sort(["visitor_id", *HIT_ORDER])
    # Sorted while categorical (``hit_schema.ENCODED_COLUMNS``): strings again only once, but
    # for the columns no later stage reads hit by hit (``SESSION_ENCODED_COLUMNS``).
    decoded = [name for name in ENCODED_COLUMNS if name not in SESSION_ENCODED_COLUMNS]
    ordered = decode_strings(ordered, decoded)
    if ordered.get_column("session_id").null_count() == ordered.height:
        # No session ids (access logs): a session is a run of hits, numbered in hit order
        # (so the numbers are sorted, which later group-bys on them use).
        starts = _run_starts(None, timeout)
        return ordered.with_columns(session=(starts.cum_sum() - 1).cast(pl.UInt32).set_sorted())
    session_id = _session_by_id(timeout)
    left_over = session_id.is_null()
    run = pl.when(left_over).then(_run_starts(left_over, timeout).cum_sum())
    # A session's number follows the position of its first hit in visitor and hit order.
    first_hit = pl.col(_POSITION).min().over("visitor_id", session_id, run)
    return (
        ordered.with_row_index(_POSITION)
        .with_columns(session=(first_hit.rank("dense") - 1).cast(pl.UInt32))
        .sort("session", _POSITION)
        .drop(_POSITION)
    )


_POSITION = "__micromacro_position"


def _session_by_id(timeout: pl.Expr) -> pl.Expr:
    """Per hit (in visitor and hit order): its session id, else the session id of the visitor's
    nearest keyed hit when that is within ``timeout`` (null: none is)."""
    visitor, ts, session_id = pl.col("visitor_id"), pl.col("ts"), pl.col("session_id")
    keyed = session_id.is_not_null()
    keyed_visitor, keyed_ts = pl.when(keyed).then(visitor), pl.when(keyed).then(ts)
    # The last keyed hit before (in hit order) and the first after: the nearest in time.
    has_before = (keyed_visitor.forward_fill() == visitor).fill_null(False)
    has_after = (keyed_visitor.backward_fill() == visitor).fill_null(False)
    gap_before = ts - keyed_ts.forward_fill()
    gap_after = keyed_ts.backward_fill() - ts
    near_before = has_before & (gap_before <= timeout)
    near_after = has_after & (gap_after <= timeout)
    takes_before = near_before & (~near_after | (gap_before <= gap_after))
    return (
        pl.when(keyed)
        .then(session_id)
        .when(takes_before)
        .then(session_id.forward_fill())
        .when(near_after)
        .then(session_id.backward_fill())
    )


def _run_starts(counted: pl.Expr | None, timeout: pl.Expr) -> pl.Expr:
    """Per hit (in visitor and hit order): whether it starts a session by the inactivity rule,
    among the hits ``counted`` (None: all): it is the visitor's first such hit, or more than
    ``timeout`` after the previous one. Hits not counted are null."""
    visitor, ts = pl.col("visitor_id"), pl.col("ts")
    if counted is None:
        previous_visitor, previous_ts = visitor.shift(), ts.shift()
    else:
        previous_visitor = pl.when(counted).then(visitor).shift().forward_fill()
        previous_ts = pl.when(counted).then(ts).shift().forward_fill()
    continues = (previous_visitor == visitor) & ((ts - previous_ts) <= timeout)
    starts = ~continues.fill_null(False)
    return starts if counted is None else pl.when(counted).then(starts)


def session_table(hits: pl.DataFrame) -> pl.DataFrame:
    """One row per session of sessionized hits (rows in session order, hit order within).

    Columns: ``session``, ``visitor_id``, ``start``, ``end``, ``duration_s`` (last − first hit),
    ``pageviews``, ``events``, ``bounce`` (exactly one pageview and no event), ``landing_page``
    and ``exit_page`` (paths of the first and last pageview; null without pageviews),
    ``engagement_s`` and ``engaged``. A hit of kind ``session_only`` (an export's GA4
    ``session_start``) makes its session and counts in its start, end and duration, but is
    neither a pageview nor an event.

    ``engagement_s`` is the sum of the hits' ``engagement_time_ms`` (in seconds) where the hits
    have that column (an export that maps it), else the duration. ``engaged`` is GA4's engaged
    session but for its key-event part: a hit's ``session_engaged`` flag, or at least
    ``ENGAGED_SECONDS`` of engagement, or at least ``ENGAGED_PAGEVIEWS`` pageviews.
    """
    is_page = pl.col("kind") == "page"
    page_path = pl.col("path").filter(is_page)
    reported: list[pl.Expr] = []  # what an export says of engagement, where it maps it
    if "engagement_time_ms" in hits.columns:
        reported.append((pl.col("engagement_time_ms").sum() / 1000).alias("engagement_s"))
    if "session_engaged" in hits.columns:
        reported.append(pl.col("session_engaged").any().alias("engaged"))
    table = (
        hits.group_by("session")
        .agg(
            pl.col("visitor_id").first(),
            pl.col("ts").min().alias("start"),
            pl.col("ts").max().alias("end"),
            is_page.sum().cast(pl.UInt32).alias("pageviews"),
            (pl.col("kind") == "event").sum().cast(pl.UInt32).alias("events"),
            page_path.first().alias("landing_page"),
            page_path.last().alias("exit_page"),
            *reported,
        )
        .with_columns(
            duration_s=(pl.col("end") - pl.col("start")).dt.total_microseconds() / 1_000_000,
            bounce=(pl.col("pageviews") == 1) & (pl.col("events") == 0),
        )
        .sort("session")
    )
    if "engagement_s" not in table.columns:
        table = table.with_columns(engagement_s=pl.col("duration_s"))
    flagged = pl.col("engaged") if "engaged" in table.columns else pl.lit(False)
    return table.with_columns(
        engaged=flagged
        | (pl.col("engagement_s") >= ENGAGED_SECONDS)
        | (pl.col("pageviews") >= ENGAGED_PAGEVIEWS)
    )


def pageviews_and_events(hits: pl.DataFrame) -> pl.DataFrame:
    """``hits`` without those that count for their session only (an export's GA4
    ``session_start``), which no funnel step takes: a strict funnel's "very next hit" is the
    next pageview or event."""
    session_only = pl.col("kind") == "session_only"
    if not hits.select(session_only.any()).item():
        return hits
    return hits.filter(~session_only)


def first_and_last(hits: pl.DataFrame) -> tuple[datetime | None, datetime | None]:
    """The times of the first and last counted hit; None without hits."""
    if hits.height == 0:
        return None, None
    first, last = hits.select(
        pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last")
    ).row(0)
    return first, last


def sessions_span(sessions: pl.DataFrame) -> tuple[datetime | None, datetime | None]:
    """The times of the first and last counted hit of a session table (its first start and
    last end); None without sessions."""
    if sessions.height == 0:
        return None, None
    first, last = sessions.select(pl.col("start").min(), pl.col("end").max()).row(0)
    return first, last

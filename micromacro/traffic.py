"""The traffic overview (definitions §2.6): top pages, landing and exit pages, referrer hosts,
channels and status codes, the figures a report has with or without goals.

Each table is one ``group_by`` over the whole hit or session frame, sorted by its count
(largest first, ties by name) and cut to ``--top`` rows; only the rows kept become Python
objects. Referrer hosts and channels are the sessions' ``referrer`` and ``channel`` dimensions
(``dimension_values``), whose URL parsing runs once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import polars as pl

from micromacro.collector import paused
from micromacro.dimension_values import session_dimensions
from micromacro.dimensions import DEFAULT_ATTRIBUTION, NONE, Attribution
from micromacro.distinct import path_decoded
from micromacro.goals import Goal
from micromacro.metrics import converted_kind
from micromacro.option_values import DEFAULT_TOP
from micromacro.rows import (
    CHANNEL_FIELDS,
    EXIT_PAGE_FIELDS,
    LANDING_PAGE_FIELDS,
    PAGE_FIELDS,
    REFERRER_FIELDS,
    STATUS_FIELDS,
    ChannelRow,
    ExitPageRow,
    LandingPageRow,
    PageRow,
    ReferrerRow,
    RowT,
    StatusRow,
    TopRows,
    Traffic,
)


def _label(column: str) -> pl.Expr:
    """A text column as a row's name: ``(none)`` for a missing or empty value, as ``--by``
    shows it."""
    return pl.col(column).cast(pl.String).fill_null(NONE).replace("", NONE).alias(column)


def _top(
    frame: pl.DataFrame,
    count: str,
    name: str,
    fields: tuple[str, ...],
    row: Callable[..., RowT],
    top: int,
) -> TopRows[RowT]:
    """``frame`` (one row per ``name``) by ``count``, largest first, ties by ``name`` (text or
    number, ascending); the first ``top`` rows (all with 0) as ``row`` objects."""
    ordered = frame.sort([count, name], descending=[True, False], nulls_last=True)
    kept = ordered.head(top) if top > 0 else ordered
    return TopRows(tuple(row(*values) for values in kept.select(fields).iter_rows()), frame.height)


def _page_counts(hits: pl.DataFrame) -> pl.DataFrame:
    """Per path: its pageviews and the sessions with at least one of them."""
    views = hits.lazy().filter(pl.col("kind") == "page").select(_label("path"), "session")
    return (
        views.group_by("path")
        .agg(pl.len().alias("pageviews"), pl.col("session").n_unique().alias("sessions"))
        .collect()
    )


def _landing_pages(sessions: pl.DataFrame, top: int) -> TopRows[LandingPageRow]:
    """Per landing page (URL-decoded, as ``--by landing_page``): the sessions that began on it
    and the share of them that bounced."""
    table = (
        sessions.lazy()
        .with_columns(path_decoded(sessions.get_column("landing_page")))
        .group_by(_label("landing_page").alias("path"))
        .agg(pl.len().alias("sessions"), pl.col("bounce").mean().alias("bounce_rate"))
        .collect()
    )
    return _top(table, "sessions", "path", LANDING_PAGE_FIELDS, LandingPageRow, top)


def _exit_pages(sessions: pl.DataFrame, top: int) -> TopRows[ExitPageRow]:
    """Per exit page (URL-decoded, as ``--by exit_page``): the sessions that ended on it."""
    table = (
        sessions.with_columns(path_decoded(sessions.get_column("exit_page")))
        .group_by(_label("exit_page").alias("path"))
        .agg(pl.len().alias("sessions"))
    )
    return _top(table, "sessions", "path", EXIT_PAGE_FIELDS, ExitPageRow, top)


def _referrers(sources: pl.DataFrame, top: int) -> TopRows[ReferrerRow]:
    """Per external referrer host: the sessions whose first hit came from it (direct and
    internal sessions have none and are not listed)."""
    table = (
        sources.lazy()
        .filter(pl.col("referrer") != NONE)
        .group_by(pl.col("referrer").alias("host"))
        .agg(pl.len().alias("sessions"))
        .collect()
    )
    return _top(table, "sessions", "host", REFERRER_FIELDS, ReferrerRow, top)


def _channels(
    sources: pl.DataFrame, sessions: pl.DataFrame, goals: Sequence[Goal], top: int
) -> TopRows[ChannelRow]:
    """Per channel: its sessions and the share of them that converted a macro goal (null when
    no goal is macro, as the summary's rate)."""
    goals = tuple(goals)
    has_macro = any(goal.kind == "macro" for goal in goals)
    macro = sessions.select("session", converted_kind(goals, "macro").alias("macro"))
    rate = pl.col("macro").mean() if has_macro else pl.lit(None, dtype=pl.Float64)
    table = (
        sources.lazy()
        .select("session", "channel")
        .join(macro.lazy(), on="session", how="left")
        .group_by("channel")
        .agg(pl.len().alias("sessions"), rate.alias("macro_conversion_rate"))
        .collect()
    )
    return _top(table, "sessions", "channel", CHANNEL_FIELDS, ChannelRow, top)


def _status_counts(hits: pl.DataFrame) -> pl.DataFrame | None:
    """Per status code: the counted hits answered with it (hits without one are not listed;
    None when the hits carry no status at all)."""
    if "status" not in hits.columns:
        return None
    return (
        hits.lazy()
        .filter(pl.col("status").is_not_null())
        .group_by(pl.col("status").cast(pl.Int64))
        .agg(pl.len().alias("hits"))
        .collect()
    )


@dataclass(frozen=True)
class TrafficParts:
    """What the traffic overview reads of some visitors' hits: the counts per path and per
    status code, and each session's channel and referrer host. The parts of visitors read
    apart (``hit_partitions``) add up with ``join_traffic_parts``."""

    pages: pl.DataFrame
    statuses: pl.DataFrame | None
    sources: pl.DataFrame


def traffic_parts(
    hits: pl.DataFrame,
    sessions: pl.DataFrame,
    *,
    site_hosts: Sequence[str] = (),
    attribution: Attribution = DEFAULT_ATTRIBUTION,
) -> TrafficParts:
    """The traffic parts of sessionized ``hits`` and their ``sessions``. Referrers from
    ``site_hosts`` are internal; ``attribution`` is ``--attribution``'s."""
    sources = session_dimensions(
        hits, sessions, {"channel", "referrer"}, site_hosts=site_hosts, attribution=attribution
    )
    return TrafficParts(_page_counts(hits), _status_counts(hits), sources)


def join_traffic_parts(parts: Sequence[TrafficParts]) -> TrafficParts:
    """The traffic parts of disjoint sets of visitors, added up (a session is one visitor's)."""
    if len(parts) == 1:
        return parts[0]
    pages = pl.concat([part.pages for part in parts]).group_by("path").agg(pl.all().sum())
    statuses = [part.statuses for part in parts if part.statuses is not None]
    status = pl.concat(statuses).group_by("status").agg(pl.col("hits").sum()) if statuses else None
    return TrafficParts(pages, status, pl.concat([part.sources for part in parts]))


@paused()
def traffic_overview(
    parts: TrafficParts,
    sessions: pl.DataFrame,
    goals: Sequence[Goal],
    *,
    top: int = DEFAULT_TOP,
) -> Traffic:
    """The traffic overview of the traffic ``parts`` of every visitor and their ``sessions``
    (the session table, or the conversions table built on it, which the channels' macro rate
    needs); each table keeps its ``top`` largest rows (0: all)."""
    statuses = (
        _top(parts.statuses, "hits", "status", STATUS_FIELDS, StatusRow, top)
        if parts.statuses is not None
        else TopRows()
    )
    return Traffic(
        pages=_top(parts.pages, "pageviews", "path", PAGE_FIELDS, PageRow, top),
        landing_pages=_landing_pages(sessions, top),
        exit_pages=_exit_pages(sessions, top),
        referrers=_referrers(parts.sources, top),
        channels=_channels(parts.sources, sessions, goals, top),
        status_codes=statuses,
    )

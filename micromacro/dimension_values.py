"""Each session's value of every dimension a ``--by`` names (definitions §2.7).

Its first hit decides the channel, source, medium, campaign, referrer and host (with
last-non-direct attribution a Direct session takes its visitor's latest earlier non-direct
source), its user agent the device, browser and os, its start (in the report's time zone) the
time dimensions, and ``query:NAME`` is the value on its first hit that carries the parameter.
URL and user-agent parsing run on distinct values only and are joined back. What a dimension
may be called is ``dimensions``' catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, tzinfo

import polars as pl

from micromacro.channels import (
    EXPORT_KEYS,
    FIRST_USER_COLUMNS,
    channels_of,
    request_host,
    session_sources,
)
from micromacro.devices import device_columns
from micromacro.dimensions import (
    DEFAULT_ATTRIBUTION,
    DEVICE_DIMENSIONS,
    DIMENSIONS,
    NONE,
    QUERY_PREFIX,
    SOURCE_DIMENSIONS,
    TIME_DIMENSIONS,
    Attribution,
)
from micromacro.distinct import path_decoded, per_distinct, query_parameter, query_value_decoded
from micromacro.hit_schema import SESSION_ENCODED_COLUMNS, decode_strings
from micromacro.periods import zone_name

# --- one value per session and dimension ---------------------------------------------------


_FIXED_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def local_time(instant: pl.Expr, tz: str) -> pl.Expr:
    """``instant`` (UTC) as the wall time of the zone ``tz`` (a name Polars knows, or an
    offset such as ``+05:30``)."""
    offset = _FIXED_OFFSET.match(tz)
    if offset is None:
        return instant.dt.convert_time_zone(tz)
    # Polars knows whole hours only: the wall time of any offset (+05:30) is a shift
    sign, hours, minutes = offset.groups()
    shift = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
    return instant.dt.replace_time_zone(None) + pl.duration(minutes=shift)


def _time_values(start: pl.Expr, tz: str) -> dict[str, pl.Expr]:
    local = local_time(start, tz)
    return {
        "hour": local.dt.strftime("%H"),
        "weekday": local.dt.strftime("%u %a"),
        "day": local.dt.strftime("%Y-%m-%d"),
        "week": local.dt.strftime("%G-W%V"),
        "month": local.dt.strftime("%Y-%m"),
    }


def _first_hits(hits: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Per session, the first hit's ``columns`` (hits are in session then hit order); a column
    named twice is taken once. The first hit is the first pageview or event: a hit that counts
    for its session only (GA4's ``session_start``) is first only in a session of such hits."""
    present = [c for c in dict.fromkeys(columns) if c in hits.columns]
    session_only = pl.col("kind") == "session_only"
    if "kind" not in hits.columns or not hits.select(session_only.any()).item():
        session = pl.col("session")
        if hits.get_column("session").is_sorted():  # a session's hits together: its first row
            first = hits.select("session", *present).filter(session.ne_missing(session.shift()))
        else:
            first = hits.group_by("session").agg(pl.col(c).first() for c in present)
    else:
        first = hits.group_by("session").agg(
            pl.col(c).sort_by(session_only, maintain_order=True).first() for c in present
        )
    return decode_strings(first, SESSION_ENCODED_COLUMNS)


def site_host(host: pl.Expr) -> pl.Expr:
    """The ``host`` dimension's value of a logged host: lower-case, without port or trailing
    dot, as referrer hosts are read (``www.`` kept); a value that names no host as logged.

    >>> hosts = pl.Series("host", ["WWW.Example.COM:443", "www.example.com.", "_", None])
    >>> hosts.to_frame().select(site_host(pl.col("host")))["host"].to_list()
    ['www.example.com', 'www.example.com', '_', None]
    """
    text = host.cast(pl.String)
    return pl.coalesce(request_host(text), text).alias("host")


def _query_parameter(hits: pl.DataFrame, parameter: str) -> pl.DataFrame:
    """Per session, ``parameter``'s value on its first hit that carries one (decoded and
    trimmed as a campaign tag is, ``query_value_decoded``; the first value when a query repeats
    it): ``?q=`` and ``?q=+`` carry none."""
    values = (
        hits.select("session", query_parameter(pl.col("query"), parameter).alias("value"))
        .filter(pl.col("value") != "")
        .group_by("session")
        .agg(pl.col("value").first())
    )
    decoded = per_distinct(values["value"], query_value_decoded, pl.String)
    return values.with_columns(decoded.alias("value")).filter(pl.col("value").is_not_null())


def last_non_direct(sources: pl.DataFrame, visitors: pl.DataFrame) -> pl.DataFrame:
    """``sources`` (``session_sources``' columns) where each Direct session takes the source,
    medium, campaign, referrer and channel of its visitor's latest earlier non-direct session
    (as Google Analytics attributes direct visits; there is no lookback limit)."""
    columns = ["source", "medium", "campaign", "referrer", "channel"]
    direct = pl.col("channel") == "Direct"
    ordered = sources.join(visitors, on="session", how="left").sort("session")
    # The session each takes them from, all of them from the one (a non-direct session may
    # have no referrer: a tagged link in an email).
    taken = ordered.with_columns(
        pl.when(direct).then(None).otherwise(pl.col("session")).forward_fill().over("visitor_id")
        .alias(_FROM)
    )  # fmt: skip
    origins = ordered.select(
        pl.col("session").alias(_FROM), *(pl.col(c).alias(_FROM + c) for c in columns)
    )
    return (
        taken.join(origins, on=_FROM, how="left", maintain_order="left")
        .with_columns(
            pl.when(pl.col(_FROM).is_not_null())
            .then(pl.col(_FROM + c))
            .otherwise(pl.col(c))
            .alias(c)
            for c in columns
        )
        .select(sources.columns)
    )


_FROM = "__micromacro_attributed_from"


def _first_touches(hits: pl.DataFrame) -> pl.DataFrame | None:
    """Per visitor (``visitor_id``) whose hits name a first-user source, medium or campaign (an
    export's ``first_user_…`` columns), those of its earliest such hit, and their channel;
    None when the hits have no such column."""
    present = [c for c in FIRST_USER_COLUMNS if c in hits.columns]
    if not present:
        return None
    named = pl.any_horizontal(pl.col(c).is_not_null() for c in present)
    earliest = (
        hits.lazy()
        .filter(named)
        .group_by("visitor_id")
        .agg(pl.col(c).sort_by("ts", maintain_order=True).first() for c in present)
        .collect()
    )
    fields = dict(zip(FIRST_USER_COLUMNS, ("source", "medium", "campaign"), strict=True))
    touches = earliest.select(
        "visitor_id",
        *(
            (pl.col(c).cast(pl.String) if c in present else pl.lit(None, dtype=pl.String)).alias(f)
            for c, f in fields.items()
        ),
    )
    return channels_of(touches)


def first_user(
    sources: pl.DataFrame, visitors: pl.DataFrame, touches: pl.DataFrame | None
) -> pl.DataFrame:
    """``sources`` (``session_sources``' columns) where every session takes its visitor's first
    source (GA4's first user source): the visitor's first-user source, medium, campaign and
    channel in ``touches`` where it has them, else those of its first session; the referrer is
    always its first session's (a first-user source names no host)."""
    columns = ["source", "medium", "campaign", "referrer", "channel"]
    per_session = sources.join(visitors, on="session", how="left")
    firsts = (
        per_session.sort("session")
        .group_by("visitor_id", maintain_order=True)
        .agg(pl.col(c).first() for c in columns)
    )
    if touches is not None:
        named = ["source", "medium", "campaign", "channel"]
        firsts = (
            firsts.join(
                touches.rename({c: f"_touch_{c}" for c in named}), on="visitor_id", how="left"
            )
            .with_columns(
                pl.when(pl.col("_touch_channel").is_not_null())
                .then(pl.col(f"_touch_{c}"))
                .otherwise(pl.col(c))
                .alias(c)
                for c in named
            )
            .select("visitor_id", *columns)
        )
    return (
        per_session.select("session", "visitor_id")
        .join(firsts, on="visitor_id", how="left", maintain_order="left")
        .select("session", *columns)
    )


def session_dimensions(
    hits: pl.DataFrame,
    sessions: pl.DataFrame,
    names: set[str],
    *,
    tz: tzinfo = UTC,
    site_hosts: Sequence[str] = (),
    attribution: Attribution = DEFAULT_ATTRIBUTION,
    bot_patterns: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per session (``session``) with a text column per dimension in ``names``.

    ``hits`` are sessionized hits, ``sessions`` their session table (``session``, ``start``,
    ``landing_page``, ``exit_page``). Missing values read ``(none)``; pages are URL-decoded
    (``path_decoded``), as every breakdown's values are. With ``attribution``
    ``last-non-direct`` a Direct session takes its visitor's latest earlier non-direct source.
    A user agent the crawler list or one of ``bot_patterns`` matches is device ``other``.
    """
    table = sessions.select("session")
    if names & set(TIME_DIMENSIONS):
        times = _time_values(pl.col("start"), zone_name(tz))
        table = table.with_columns(
            sessions.select(*(times[n].alias(n) for n in TIME_DIMENSIONS if n in names))
        )
    for name in ("landing_page", "exit_page"):
        if name in names:
            table = table.with_columns(path_decoded(sessions.get_column(name)))
    first = _first_hits(hits, ["query", "referrer", "host", "user_agent", *EXPORT_KEYS, *names])
    if names & set(SOURCE_DIMENSIONS):
        sources = session_sources(first, site_hosts).rename({"referrer_host": "referrer"})
        visitors = sessions.select("session", "visitor_id")
        if attribution == "last-non-direct":
            sources = last_non_direct(sources, visitors)
        elif attribution == "first-user":
            sources = first_user(sources, visitors, _first_touches(hits))
        picked = [n for n in SOURCE_DIMENSIONS if n in names]
        table = table.join(sources.select("session", *picked), on="session", how="left")
    if names & set(DEVICE_DIMENSIONS):
        devices = device_columns(first.select("session", "user_agent"), bot_patterns=bot_patterns)
        table = table.join(
            devices.select("session", *(n for n in DEVICE_DIMENSIONS if n in names)),
            on="session",
            how="left",
        )
    plain = [n for n in names if n not in DIMENSIONS and QUERY_PREFIX not in n]
    if plain:
        table = table.join(first.select("session", *plain), on="session", how="left")
    if "host" in names:
        table = table.join(
            first.select("session", site_host(pl.col("host"))), on="session", how="left"
        )
    for name in sorted(n for n in names if n.startswith(QUERY_PREFIX)):
        parameter = _query_parameter(hits, name.removeprefix(QUERY_PREFIX))
        table = table.join(parameter.rename({"value": name}), on="session", how="left")
    return table.with_columns(
        pl.col(n).cast(pl.String).fill_null(NONE).replace("", NONE) for n in names
    )

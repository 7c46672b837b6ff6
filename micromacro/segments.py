"""Segments (SPEC 2.7): which traffic converts, by channel, device, landing page, time, …

Every session belongs to exactly one segment of each dimension: its first hit decides the
channel, source, medium, campaign, referrer and host, its user agent the device, browser and os,
its start (in the report's time zone) the time dimensions, and ``query:NAME`` is the value on
its first hit that carries the parameter. URL and user-agent parsing run on distinct values
only and are joined back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, tzinfo
from typing import Literal
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo

import polars as pl

from micromacro.channels import session_sources
from micromacro.collector import paused
from micromacro.devices import device_columns
from micromacro.dimensions import (
    DEVICE_DIMENSIONS,
    DIMENSIONS,
    NONE,
    OTHER,
    QUERY_PREFIX,
    SOURCE_DIMENSIONS,
    TIME_DIMENSIONS,
    Breakdown,
)
from micromacro.distinct import per_distinct
from micromacro.errors import UsageError
from micromacro.goal_matching import goal_cells, goal_column
from micromacro.goals import Funnel, Goal
from micromacro.metrics import rate
from micromacro.stats import (
    chi_square_p_value,
    difference_interval,
    two_proportion_p_value,
    wilson_interval,
)

DEFAULT_TOP = 20
DEFAULT_MIN_SESSIONS = 30
Attribution = Literal["session", "last-non-direct"]
ATTRIBUTIONS: tuple[Attribution, ...] = ("session", "last-non-direct")
_CROSS = " / "


def polars_time_zone(tz: tzinfo) -> str:
    """The name Polars knows ``tz`` by: an IANA key, ``UTC`` or an offset like ``+01:00``.

    >>> from datetime import timedelta, timezone
    >>> polars_time_zone(timezone(timedelta(hours=-5, minutes=-30)))
    '-05:30'
    """
    if isinstance(tz, ZoneInfo):
        return tz.key
    offset = tz.utcoffset(None)
    if tz is UTC or offset is None or not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# --- one value per session and dimension ---------------------------------------------------


_FIXED_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _time_values(start: pl.Expr, tz: str) -> dict[str, pl.Expr]:
    offset = _FIXED_OFFSET.match(tz)
    if offset is None:
        local = start.dt.convert_time_zone(tz)
    else:  # Polars knows whole hours only: the wall time of any offset (+05:30) is a shift
        sign, hours, minutes = offset.groups()
        shift = (int(hours) * 60 + int(minutes)) * (-1 if sign == "-" else 1)
        local = start.dt.replace_time_zone(None) + pl.duration(minutes=shift)
    return {
        "hour": local.dt.strftime("%H"),
        "weekday": local.dt.strftime("%u %a"),
        "day": local.dt.strftime("%Y-%m-%d"),
        "week": local.dt.strftime("%G-W%V"),
        "month": local.dt.strftime("%Y-%m"),
    }


def _first_hits(hits: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Per session, the first hit's ``columns`` (hits are in session then hit order)."""
    present = [c for c in columns if c in hits.columns]
    return hits.group_by("session").agg(pl.col(c).first() for c in present)


def _url_decoded(values: pl.Series) -> pl.Series:
    """``values`` with %XX escapes and ``+`` decoded, computed once per distinct value."""
    return per_distinct(values, unquote_plus, pl.String)


def _query_parameter(hits: pl.DataFrame, parameter: str) -> pl.DataFrame:
    """Per session, ``parameter``'s value on its first hit that carries it (URL-decoded; the
    first value when a query repeats it)."""
    pattern = f"(?:^|&){re.escape(parameter)}=([^&#]*)"
    values = (
        hits.select("session", pl.col("query").str.extract(pattern, 1).alias("value"))
        .drop_nulls("value")
        .group_by("session")
        .agg(pl.col("value").first())
    )
    return values.with_columns(_url_decoded(values["value"]).alias("value"))


def last_non_direct(sources: pl.DataFrame, visitors: pl.DataFrame) -> pl.DataFrame:
    """``sources`` (``session_sources``' columns) where each Direct session takes the source,
    medium, campaign, referrer and channel of its visitor's latest earlier non-direct session
    (as Google Analytics attributes direct visits; there is no lookback limit)."""
    columns = ["source", "medium", "campaign", "referrer", "channel"]
    direct = pl.col("channel") == "Direct"
    return (
        sources.join(visitors, on="session", how="left")
        .sort("session")
        .with_columns(
            pl.when(direct)
            .then(None)
            .otherwise(pl.col(c))
            .forward_fill()
            .over("visitor_id")
            .fill_null(pl.col(c))
            .alias(c)
            for c in columns
        )
        .drop("visitor_id")
    )


def session_dimensions(
    hits: pl.DataFrame,
    sessions: pl.DataFrame,
    names: set[str],
    *,
    tz: tzinfo = UTC,
    site_hosts: Sequence[str] = (),
    attribution: Attribution = "session",
) -> pl.DataFrame:
    """One row per session (``session``) with a text column per dimension in ``names``.

    ``hits`` are sessionized hits, ``sessions`` their session table (``session``, ``start``,
    ``landing_page``, ``exit_page``). Missing values read ``(none)``. With ``attribution``
    ``last-non-direct`` a Direct session takes its visitor's latest earlier non-direct source.
    """
    table = sessions.select("session")
    if names & set(TIME_DIMENSIONS):
        times = _time_values(pl.col("start"), polars_time_zone(tz))
        table = table.with_columns(
            sessions.select(*(times[n].alias(n) for n in TIME_DIMENSIONS if n in names))
        )
    for name in ("landing_page", "exit_page"):
        if name in names:
            table = table.with_columns(sessions.get_column(name))
    first = _first_hits(hits, ["query", "referrer", "host", "user_agent", *names])
    if names & set(SOURCE_DIMENSIONS):
        sources = session_sources(first, site_hosts).rename({"referrer_host": "referrer"})
        if attribution == "last-non-direct":
            sources = last_non_direct(sources, sessions.select("session", "visitor_id"))
        picked = [n for n in SOURCE_DIMENSIONS if n in names]
        table = table.join(sources.select("session", *picked), on="session", how="left")
    if names & set(DEVICE_DIMENSIONS):
        devices = device_columns(first.select("session", "user_agent"))
        table = table.join(
            devices.select("session", *(n for n in DEVICE_DIMENSIONS if n in names)),
            on="session",
            how="left",
        )
    plain = [n for n in names if n == "host" or (n not in DIMENSIONS and QUERY_PREFIX not in n)]
    if plain:
        table = table.join(first.select("session", *plain), on="session", how="left")
    for name in sorted(n for n in names if n.startswith(QUERY_PREFIX)):
        parameter = _query_parameter(hits, name.removeprefix(QUERY_PREFIX))
        table = table.join(parameter.rename({"value": name}), on="session", how="left")
    return table.with_columns(
        pl.col(n).cast(pl.String).fill_null(NONE).replace("", NONE) for n in names
    )


# --- the segment table -------------------------------------------------------------------------


def _segment_values(table: pl.DataFrame, breakdown: Breakdown, top: int) -> pl.Series:
    """The segment of each session: its value, or its values joined for a cross; values past
    the ``top`` with the most sessions become ``(other)`` (``top`` 0 keeps all)."""
    dimensions = [pl.col(d) for d in breakdown.dimensions]
    values = table.select(pl.concat_str(dimensions, separator=_CROSS).alias("_segment")).get_column(
        "_segment"
    )
    if top <= 0:
        return values
    ranked = (
        values.value_counts(name="sessions")
        .sort(["sessions", "_segment"], descending=[True, False])
        .head(top)
        .get_column("_segment")
    )
    return (
        pl.select(pl.when(values.is_in(ranked.implode())).then(values).otherwise(pl.lit(OTHER)))
        .to_series()
        .alias("_segment")
    )


@paused()
def segment_rows(
    conversions: pl.DataFrame,
    dimensions: pl.DataFrame,
    breakdowns: Sequence[Breakdown],
    goals: tuple[Goal, ...],
    *,
    top: int = DEFAULT_TOP,
    min_sessions: int = DEFAULT_MIN_SESSIONS,
) -> list[dict[str, object]]:
    """One JSON object per segment of every breakdown, largest first (``(other)`` last).

    Each carries ``by``, ``segment``, ``sessions``, ``visitors``, macro and micro conversions
    (sessions with any goal of that kind) and rates, ``small_sample`` (fewer sessions than
    ``min_sessions``) and ``goals``: per goal its converting sessions, rate, 95% Wilson
    interval, the two-proportion p-value of the segment against all other sessions, and the
    Benjamini–Hochberg q-value over every goal row of every breakdown.
    """
    table = conversions.join(dimensions, on="session", how="left")
    total = table.height
    # The goal columns as their cells above 0 (goal, row), each session's macro and micro flags
    # from them: every figure below is a group_by of these, whatever the number of goals.
    cells = goal_cells(table, [goal_column(i) for i in range(len(goals))])
    macro_goal = pl.Series([goal.kind == "macro" for goal in goals], dtype=pl.Boolean)
    kinds = (
        cells.with_columns(macro_goal.gather(cells["goal"]).alias("macro"))
        .group_by("row")
        .agg(pl.col("macro").any().alias("_macro"), (~pl.col("macro")).any().alias("_micro"))
    )
    flagged = (
        table.select("visitor_id")
        .with_row_index("row")
        .join(kinds, on="row", how="left", maintain_order="left")
        .with_columns(pl.col("_macro", "_micro").fill_null(False))
    )
    goal_totals = _per_goal(cells.group_by("goal").len(), len(goals))
    figures: dict[tuple[int, int, int], _GoalFigures] = {}
    rows: list[dict[str, object]] = []
    for breakdown in breakdowns:
        segments = _segment_values(table, breakdown, top)
        grouped = (
            flagged.with_columns(segments)
            .group_by("_segment")
            .agg(
                pl.len().alias("sessions"),
                pl.col("visitor_id").n_unique().alias("visitors"),
                pl.col("_macro").sum().alias("macro"),
                pl.col("_micro").sum().alias("micro"),
            )
            .sort(
                [pl.col("_segment") == OTHER, "sessions", "_segment"],
                descending=[False, True, False],
            )
            .with_row_index("position")
        )
        counts = (
            cells.select("goal", segments.gather(cells["row"]))
            .group_by("_segment", "goal")
            .len()
            .join(grouped.select("_segment", "position"), on="_segment")
        )
        per_segment = _segment_goal_counts(counts, grouped.height, len(goals))
        for row, goal_counts in zip(grouped.iter_rows(named=True), per_segment, strict=True):
            segment = _segment_row(breakdown, row, min_sessions)
            sessions = int(row["sessions"])
            segment["goals"] = [
                {"goal": goal.name, **_goal_figures(figures, x, sessions, goal_total, total)}
                for goal, x, goal_total in zip(goals, goal_counts, goal_totals, strict=True)
            ]
            rows.append(segment)
    _add_q_values(rows)
    return rows


def _per_goal(counts: pl.DataFrame, goals: int) -> list[int]:
    """The ``len`` of each goal of ``counts`` (``goal``, ``len``), for goals 0 … goals-1."""
    dense = pl.zeros(goals, dtype=pl.Int64, eager=True)
    return dense.scatter(counts["goal"], counts["len"].cast(pl.Int64)).to_list()


def _segment_goal_counts(counts: pl.DataFrame, segments: int, goals: int) -> list[list[int]]:
    """Per segment (``position``), the ``len`` of each goal of ``counts`` (0 where absent)."""
    if segments == 0 or goals == 0:
        return [[] for _ in range(segments)]
    cells = (pl.col("position").cast(pl.UInt64) * goals + pl.col("goal")).alias("cell")
    places = counts.select(cells, pl.col("len").cast(pl.Int64))
    dense = pl.zeros(segments * goals, dtype=pl.Int64, eager=True)
    block = dense.scatter(places["cell"], places["len"]).reshape((segments, goals))
    return block.to_list()


# A goal's figures in a segment: conversion_rate, ci_low, ci_high, p_value, q_value.
_GoalFigures = dict[str, object]


def _goal_figures(
    known: dict[tuple[int, int, int], _GoalFigures],
    converted: int,
    sessions: int,
    goal_total: int,
    total: int,
) -> _GoalFigures:
    """The figures of a goal converting ``converted`` of a segment's ``sessions`` and
    ``goal_total`` of all ``total`` sessions; they depend on these counts only, so each
    distinct set is computed once and kept in ``known`` (copy before changing one)."""
    key = (converted, sessions, goal_total)
    figures = known.get(key)
    if figures is None:
        interval = wilson_interval(converted, sessions)
        figures = known[key] = {
            "conversions": converted,
            "conversion_rate": rate(converted, sessions),
            "ci_low": interval[0] if interval else None,
            "ci_high": interval[1] if interval else None,
            "p_value": two_proportion_p_value(
                converted, sessions, goal_total - converted, total - sessions
            ),
            "q_value": None,
        }
    return figures


def _segment_row(
    breakdown: Breakdown, row: dict[str, object], min_sessions: int
) -> dict[str, object]:
    """A segment's object (its ``goals`` are added by the caller)."""
    sessions = int(row["sessions"])  # type: ignore[call-overload]
    macro, micro = int(row["macro"] or 0), int(row["micro"] or 0)  # type: ignore[call-overload]
    return {
        "by": breakdown.label,
        "segment": row["_segment"],
        "sessions": sessions,
        "visitors": int(row["visitors"] or 0),  # type: ignore[call-overload]
        "macro_conversions": macro,
        "macro_conversion_rate": rate(macro, sessions),
        "micro_conversions": micro,
        "micro_conversion_rate": rate(micro, sessions),
        "small_sample": sessions < min_sessions,
        "goals": [],
    }


def _add_q_values(rows: list[dict[str, object]]) -> None:
    goal_rows = [g for row in rows for g in row["goals"]]  # type: ignore[attr-defined]
    p_values = pl.Series([g["p_value"] for g in goal_rows], dtype=pl.Float64)
    for goal_row, q_value in zip(goal_rows, q_values(p_values).to_list(), strict=True):
        goal_row["q_value"] = q_value


def q_values(p_values: pl.Series) -> pl.Series:
    """``stats.benjamini_hochberg`` over a column: the same q-values, in the same order (null
    stays null and is not counted), as one sort and a reversed running minimum.

    >>> q_values(pl.Series([0.01, 0.04, None, 0.03, 0.005])).round(4).to_list()
    [0.02, 0.04, None, 0.04, 0.02]
    """
    tests = pl.DataFrame({"p": p_values}).with_row_index("i")
    ranked = tests.drop_nulls("p").sort("p", "i")
    count = ranked.height
    # As the loop does: smallest = min(smallest, p * count / rank), from the last rank down.
    ranked = ranked.with_columns(
        (pl.col("p") * count / pl.int_range(1, count + 1, dtype=pl.Int64))
        .cum_min(reverse=True)
        .clip(upper_bound=1.0)
        .alias("q")
    )
    return tests.join(ranked.select("i", "q"), on="i", how="left", maintain_order="left")["q"]


def long_segment_rows(rows: Sequence[dict[str, object]]) -> list[dict[str, object]]:
    """The segment rows as one long table, one row per segment and goal (``by``, ``segment``,
    ``sessions``, ``small_sample`` and the goal's fields)."""
    return [
        {
            "by": row["by"],
            "segment": row["segment"],
            "sessions": row["sessions"],
            "small_sample": row["small_sample"],
            "previous_sessions": row.get("previous_sessions"),
            **goal,
        }
        for row in rows
        for goal in row["goals"]  # type: ignore[attr-defined]
    ]


# --- experiments -------------------------------------------------------------------------------

# A sample-ratio mismatch is reported below this p-value (a deliberately strict threshold: the
# test runs on every report, and a real mismatch gives far smaller values).
SRM_P_VALUE = 0.001
_NOT_VARIANTS = (NONE, OTHER)


def experiment(
    rows: Sequence[dict[str, object]],
    by: str,
    baseline: str,
    expected_split: Sequence[float] = (),
) -> dict[str, object]:
    """Each variant of the breakdown ``by`` against ``baseline``, goal by goal, and a
    sample-ratio-mismatch test of the variants' sessions.

    Variants are the segments of ``by`` other than ``(none)`` and ``(other)``, in name order;
    ``expected_split`` gives their expected shares in that order (default: even). Raises
    ``UsageError`` when ``baseline`` is not a variant or the split does not fit.
    """
    variants = sorted(
        (row for row in rows if row["by"] == by and row["segment"] not in _NOT_VARIANTS),
        key=lambda row: str(row["segment"]),
    )
    names = [str(row["segment"]) for row in variants]
    if baseline not in names:
        seen = ", ".join(names) or "none"
        raise UsageError(f"--baseline {baseline!r}: no session has it for --by {by} (seen: {seen})")
    shares = list(expected_split) or [1.0] * len(variants)
    if len(shares) != len(variants):
        raise UsageError(
            f"--expected-split has {len(shares)} shares for {len(variants)} variants "
            f"({', '.join(names)}, in that order)"
        )
    base = variants[names.index(baseline)]
    sessions = [int(row["sessions"]) for row in variants]  # type: ignore[call-overload]
    p_value = chi_square_p_value(sessions, shares)
    return {
        "by": by,
        "baseline": baseline,
        "variants": [_variant(row, base) for row in variants],
        "sample_ratio": {
            "variants": names,
            "sessions": sessions,
            "expected_split": [share / sum(shares) for share in shares],
            "p_value": p_value,
            "mismatch": p_value is not None and p_value < SRM_P_VALUE,
        },
    }


def _variant(row: dict[str, object], base: dict[str, object]) -> dict[str, object]:
    n1, n2 = int(row["sessions"]), int(base["sessions"])  # type: ignore[call-overload]
    goals = []
    for goal, base_goal in zip(row["goals"], base["goals"], strict=True):  # type: ignore[call-overload]
        x1, x2 = int(goal["conversions"]), int(base_goal["conversions"])
        rate_1, rate_2 = rate(x1, n1), rate(x2, n2)
        interval = difference_interval(x1, n1, x2, n2)
        goals.append(
            {
                "goal": goal["goal"],
                "conversions": x1,
                "conversion_rate": rate_1,
                "difference": rate_1 - rate_2,
                "lift": (rate_1 - rate_2) / rate_2 if rate_2 else None,
                "diff_ci_low": interval[0] if interval else None,
                "diff_ci_high": interval[1] if interval else None,
                "p_value": two_proportion_p_value(x1, n1, x2, n2),
            }
        )
    return {"variant": row["segment"], "sessions": n1, "goals": goals}


# --- funnels by segment ------------------------------------------------------------------------


def funnel_segment_rows(
    attempts: pl.DataFrame,
    funnel: Funnel,
    sessions: pl.DataFrame,
    dimensions: pl.DataFrame,
    breakdowns: Sequence[Breakdown],
    *,
    top: int = DEFAULT_TOP,
) -> list[dict[str, object]]:
    """Per breakdown and segment: the funnel's units, entered units and reached per step.

    ``attempts`` come from ``funnels.funnel_attempts``; a session-scope unit is in its
    session's segment, a visitor-scope unit in the segment of the visitor's first session.
    """
    table = sessions.select("session", "visitor_id").join(dimensions, on="session", how="left")
    rows: list[dict[str, object]] = []
    steps = range(1, len(funnel.steps) + 1)
    for breakdown in breakdowns:
        segments = table.with_columns(_segment_values(table, breakdown, top))
        if funnel.scope == "session":
            units = segments.select(pl.col("session").alias("unit"), "_segment")
        else:
            units = (
                segments.sort("session")
                .group_by("visitor_id")
                .agg(pl.col("_segment").first())
                .rename({"visitor_id": "unit"})
            )
        entry, furthest = pl.col("entry"), pl.col("furthest")
        counted = (
            units.join(attempts, on="unit", how="left")
            .group_by("_segment")
            .agg(
                pl.len().alias("units"),
                entry.is_not_null().sum().alias("entered"),
                *(((entry <= k) & (furthest >= k)).sum().alias(f"_r{k}") for k in steps),
            )
            .sort(
                [pl.col("_segment") == OTHER, "units", "_segment"], descending=[False, True, False]
            )
        )
        for row in counted.iter_rows(named=True):
            reached = [int(row[f"_r{k}"] or 0) for k in steps]
            entered = int(row["entered"] or 0)
            rows.append(
                {
                    "by": breakdown.label,
                    "segment": row["_segment"],
                    "units": int(row["units"]),
                    "entered": entered,
                    "reached": reached,
                    "conversion_rate": reached[-1] / entered if entered else None,
                }
            )
    return rows

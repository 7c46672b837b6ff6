"""Segments (definitions §2.7): which traffic converts, by channel, device, landing page, time, …

Every session belongs to exactly one segment of each ``--by`` breakdown: its value of the
dimension (``dimension_values.session_dimensions``), or its values joined for a cross (``crossed``);
values past ``--top`` are folded into ``(other)``. A segment's row has its sessions, visitors,
macro and micro conversions and, per goal, the rate, its 95% interval and a test against all
other sessions, with Benjamini–Hochberg q-values over every goal row; a funnel has its figures
per segment too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from micromacro.collector import paused
from micromacro.dimensions import OTHER, Breakdown
from micromacro.goal_matching import REVENUE_SCHEMA, goal_cells, goal_column, summed_revenue
from micromacro.goals import Funnel, Goal
from micromacro.metrics import has_kind, money_sum, rate, revenue_cells, single_currency
from micromacro.option_values import DEFAULT_MIN_SESSIONS, DEFAULT_TOP
from micromacro.rows import CurrencyRevenue, FunnelSegmentRow, SegmentGoal, SegmentRow
from micromacro.stats import two_proportion_p_value, wilson_interval

_CROSS = " / "
# A value written in double quotes in a crossed label, as CSV quotes a field: one holding the
# separator's " /" (which could read as a boundary) or starting with a quote.
_QUOTE = '"'


# --- the segment table -------------------------------------------------------------------------


# The segments another period shows, per breakdown label: with ``--compare``, the comparison
# period keeps these values and folds every other into ``(other)``, so that a row compares the
# same sessions' values in both periods.
ShownSegments = dict[str, list[str]]


def shown_segments(rows: Sequence[SegmentRow]) -> ShownSegments:
    """The values of ``rows`` per breakdown label, ``(other)`` left out."""
    shown: ShownSegments = {}
    for row in rows:
        values = shown.setdefault(row.by, [])
        if row.segment != OTHER:
            values.append(row.segment)
    return shown


def crossed(values: Sequence[pl.Expr]) -> pl.Expr:
    """The label of a segment of ``values`` (one text expression per dimension): the value,
    or for a cross the values joined by `` / ``, each in double quotes (a quote inside
    doubled) where it holds `` /`` or starts with a quote, so different values never share
    a label.

    >>> frame = pl.DataFrame({"a": ["x / y", "x", "A", 'say "hi"'], "b": ["z", "y / z", "m", "b"]})
    >>> frame.select(crossed([pl.col("a"), pl.col("b")])).to_series().to_list()
    ['"x / y" / z', 'x / "y / z"', 'A / m', 'say "hi" / b']
    """
    if len(values) == 1:
        return values[0]
    quoted = [
        pl.when(value.str.contains(" /", literal=True) | value.str.starts_with(_QUOTE))
        .then(pl.lit(_QUOTE) + value.str.replace_all(_QUOTE, _QUOTE * 2, literal=True) + _QUOTE)
        .otherwise(value)
        for value in values
    ]
    return pl.concat_str(quoted, separator=_CROSS)


def _segment_values(
    table: pl.DataFrame, breakdown: Breakdown, top: int, shown: ShownSegments | None = None
) -> pl.Series:
    """The segment of each session: its value, or its values ``crossed``; values past the
    ``top`` with the most sessions become ``(other)`` (``top`` 0 keeps all), or with ``shown``,
    those another period does not show."""
    dimensions = [pl.col(d) for d in breakdown.dimensions]
    values = table.select(crossed(dimensions).alias("_segment")).get_column("_segment")
    if top <= 0:
        return values
    if shown is not None:
        ranked = pl.Series("_segment", shown.get(breakdown.label, []), dtype=pl.String)
    else:
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
    revenue: pl.DataFrame | None = None,
    shown: ShownSegments | None = None,
) -> tuple[SegmentRow, ...]:
    """One row per segment of every breakdown, largest first (``(other)`` last); with
    ``shown``, the values another period shows keep their rows instead of the ``top``.

    Each carries ``by``, ``segment`` (its label) and ``values`` (its value of each dimension;
    none for ``(other)``), ``sessions``, ``visitors``, macro and micro conversions
    (sessions with any goal of that kind) and rates, the macro revenue (from the
    ``revenue_cells`` of the macro goals, by currency; null when no macro goal has a value),
    ``small_sample`` (fewer sessions than ``min_sessions``) and ``goals``: per goal its
    converting sessions, rate, 95% Wilson interval, the two-proportion p-value of the segment
    against all other sessions, and the Benjamini–Hochberg q-value over every goal row of every
    breakdown.
    """
    # The dimensions' values, not the session table's columns of the same name (a session
    # without a pageview has no landing page there, and lands on ``(none)`` as a dimension).
    shared = [name for name in dimensions.columns if name != "session" and name in conversions]
    table = conversions.drop(shared).join(dimensions, on="session", how="left")
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
        table.select("visitor_id", "engaged")
        .with_row_index("row")
        .join(kinds, on="row", how="left", maintain_order="left")
        .with_columns(pl.col("_macro", "_micro").fill_null(False))
        .with_columns(pl.col("engaged") | pl.col("_macro"))  # a macro goal is a key event
    )
    goal_totals = _per_goal(cells.group_by("goal").len(), len(goals))
    macro_revenue = _macro_revenue(
        revenue if revenue is not None else revenue_cells(conversions, _NO_REVENUE, goals), goals
    )
    figures: dict[tuple[int, int, int], _GoalFigures] = {}
    segments_found: list[tuple[dict[str, Any], list[_GoalFigures]]] = []
    for breakdown in breakdowns:
        segments = _segment_values(table, breakdown, top, shown)
        values = table.select(pl.concat_list(breakdown.dimensions).alias("_values"))
        grouped = (
            flagged.with_columns(segments, values.get_column("_values"))
            .group_by("_segment")
            .agg(
                pl.col("_values").first(),  # a label names one combination of values
                pl.len().alias("sessions"),
                pl.col("visitor_id").n_unique().alias("visitors"),
                pl.col("_macro").sum().alias("macro"),
                pl.col("_micro").sum().alias("micro"),
                pl.col("engaged").sum().alias("engaged"),
            )
            .sort(
                [pl.col("_segment") == OTHER, "sessions", "_segment"],
                descending=[False, True, False],
            )
            .with_row_index("position")
            .with_columns(pl.lit(breakdown.label).alias("by"))
        )
        counts = (
            cells.select("goal", segments.gather(cells["row"]))
            .group_by("_segment", "goal")
            .len()
            .join(grouped.select("_segment", "position"), on="_segment")
        )
        per_segment = _segment_goal_counts(counts, grouped.height, len(goals))
        revenue_of = _segment_revenue(macro_revenue, table.select("session", segments))
        for row, goal_counts in zip(grouped.iter_rows(named=True), per_segment, strict=True):
            sessions = int(row["sessions"])
            if macro_revenue is not None:
                row["revenue"] = revenue_of.get(row["_segment"], ((), None))
            else:
                row["revenue"] = None
            segments_found.append(
                (
                    row,
                    [
                        _goal_figures(figures, x, sessions, goal_total, total)
                        for x, goal_total in zip(goal_counts, goal_totals, strict=True)
                    ],
                )
            )
    return _segment_rows(segments_found, goals, min_sessions)


def _segment_rows(
    found: list[tuple[dict[str, Any], list[_GoalFigures]]],
    goals: tuple[Goal, ...],
    min_sessions: int,
) -> tuple[SegmentRow, ...]:
    """The rows of the segments ``found`` (each segment's counts and its goals' figures), with
    the Benjamini–Hochberg q-value of every goal row over all of them."""
    p_values = pl.Series(
        [f[4] for _, goal_figures in found for f in goal_figures], dtype=pl.Float64
    )
    q = iter(q_values(p_values).to_list())
    # Without a goal of a kind, the kind's rate is undefined (null), as in the summary.
    has_macro, has_micro = has_kind(goals, "macro"), has_kind(goals, "micro")
    rows = []
    for row, goal_figures in found:
        sessions = int(row["sessions"])
        macro, micro = int(row["macro"] or 0), int(row["micro"] or 0)
        parts, variance = row["revenue"] or (None, None)
        revenue, currency = single_currency(parts)
        engaged = int(row["engaged"] or 0)
        rows.append(
            SegmentRow(
                by=row["by"],
                segment=row["_segment"],
                sessions=sessions,
                visitors=int(row["visitors"] or 0),
                macro_conversions=macro,
                macro_conversion_rate=rate(macro, sessions) if has_macro else None,
                micro_conversions=micro,
                micro_conversion_rate=rate(micro, sessions) if has_micro else None,
                macro_revenue=revenue,
                macro_revenue_per_session=rate(revenue, sessions) if revenue is not None else None,
                currency=currency,
                macro_revenue_by_currency=parts,
                small_sample=sessions < min_sessions,
                goals=tuple(
                    SegmentGoal(goal.name, *figures, next(q))
                    for goal, figures in zip(goals, goal_figures, strict=True)
                ),
                revenue_variance=variance if revenue is not None else None,
                engaged_sessions=engaged,
                engagement_rate=rate(engaged, sessions),
                values=tuple(row["_values"]) if row["_segment"] != OTHER else (),
            )
        )
    return tuple(rows)


_NO_REVENUE = pl.DataFrame(schema=REVENUE_SCHEMA)


def _macro_revenue(revenue: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame | None:
    """The revenue cells (``metrics.revenue_cells``) of the macro goals with a value: session,
    currency, revenue; None when no macro goal has a value."""
    macro = [i for i, goal in enumerate(goals) if goal.kind == "macro" and goal.has_value]
    if not macro:
        return None
    wanted = pl.col("goal").is_in(pl.Series(macro, dtype=pl.UInt32).implode())
    return revenue.filter(wanted).select("session", "currency", "revenue")


_Revenue = tuple[tuple[CurrencyRevenue, ...], float | None]


def _segment_revenue(macro: pl.DataFrame | None, segments: pl.DataFrame) -> dict[str, _Revenue]:
    """Per segment (``segments``: each session's ``_segment``), its macro revenue by currency
    and the sample variance of its sessions' macro revenue (0 for a session without any; the
    sum over currencies, which is only read for a segment of one currency)."""
    if macro is None:
        return {}
    per_session = macro.group_by("session").agg(summed_revenue())
    variances = (
        segments.join(per_session, on="session", how="left")
        .group_by("_segment")
        .agg(pl.col("revenue").fill_null(0.0).var())
    )
    summed = (
        macro.join(segments, on="session")
        .group_by("_segment", "currency")
        .agg(summed_revenue())
        .sort("_segment", "currency", nulls_last=True)
    )
    parts: dict[str, list[CurrencyRevenue]] = {}
    for segment, currency, revenue in summed.select("_segment", "currency", "revenue").iter_rows():
        parts.setdefault(segment, []).append(CurrencyRevenue(currency, money_sum(revenue)))
    return {
        segment: (tuple(parts.get(segment, ())), variance)
        for segment, variance in variances.iter_rows()
    }


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


# A goal's figures in a segment: conversions, conversion_rate, ci_low, ci_high, p_value.
_GoalFigures = tuple[int, float, float | None, float | None, float | None]


def _goal_figures(
    known: dict[tuple[int, int, int], _GoalFigures],
    converted: int,
    sessions: int,
    goal_total: int,
    total: int,
) -> _GoalFigures:
    """The figures of a goal converting ``converted`` of a segment's ``sessions`` and
    ``goal_total`` of all ``total`` sessions; they depend on these counts only, so each
    distinct set is computed once and kept in ``known``."""
    key = (converted, sessions, goal_total)
    figures = known.get(key)
    if figures is None:
        interval = wilson_interval(converted, sessions)
        figures = known[key] = (
            converted,
            rate(converted, sessions),
            interval[0] if interval else None,
            interval[1] if interval else None,
            two_proportion_p_value(converted, sessions, goal_total - converted, total - sessions),
        )
    return figures


def q_values(p_values: pl.Series) -> pl.Series:
    """Benjamini–Hochberg q-values (false discovery rate) of a column of p-values, in the same
    order (null stays null and is not counted among the tests): the least ``p × count / rank``
    over the p-value's rank and the ranks above it, as one sort and a reversed running minimum.

    >>> q_values(pl.Series([0.01, 0.04, None, 0.03, 0.005])).round(4).to_list()
    [0.02, 0.04, None, 0.04, 0.02]
    """
    tests = pl.DataFrame({"p": p_values}).with_row_index("i")
    ranked = tests.drop_nulls("p").sort("p", "i")
    count = ranked.height
    # smallest = min(smallest, p * count / rank), from the last rank down.
    ranked = ranked.with_columns(
        (pl.col("p") * count / pl.int_range(1, count + 1, dtype=pl.Int64))
        .cum_min(reverse=True)
        .clip(upper_bound=1.0)
        .alias("q")
    )
    return tests.join(ranked.select("i", "q"), on="i", how="left", maintain_order="left")["q"]


# --- funnels by segment ------------------------------------------------------------------------


def funnel_segment_rows(
    attempts: pl.DataFrame,
    funnel: Funnel,
    sessions: pl.DataFrame,
    dimensions: pl.DataFrame,
    breakdowns: Sequence[Breakdown],
    *,
    top: int = DEFAULT_TOP,
    shown: ShownSegments | None = None,
) -> tuple[FunnelSegmentRow, ...]:
    """Per breakdown and segment: the funnel's units, entered units and reached per step
    (``shown``: as in ``segment_rows``).

    ``attempts`` come from ``funnels.funnel_attempts``; a session-scope unit is in its
    session's segment, a visitor-scope unit in the segment of the visitor's first session.
    """
    table = sessions.select("session", "visitor_id").join(dimensions, on="session", how="left")
    rows: list[FunnelSegmentRow] = []
    steps = range(1, len(funnel.steps) + 1)
    for breakdown in breakdowns:
        segments = table.with_columns(_segment_values(table, breakdown, top, shown))
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
            reached = tuple(int(row[f"_r{k}"] or 0) for k in steps)
            entered = int(row["entered"] or 0)
            rows.append(
                FunnelSegmentRow(
                    by=breakdown.label,
                    segment=row["_segment"],
                    units=int(row["units"]),
                    entered=entered,
                    reached=reached,
                    conversion_rate=reached[-1] / entered if entered else None,
                )
            )
    return tuple(rows)

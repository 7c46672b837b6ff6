"""Segments (SPEC 2.7): which traffic converts, by channel, device, landing page, time, …

Every session belongs to exactly one segment of each ``--by`` breakdown: its value of the
dimension (``dimensions.session_dimensions``), or its values joined for a cross; values past
``--top`` are folded into ``(other)``. A segment's row has its sessions, visitors, macro and
micro conversions and, per goal, the rate, its 95% interval and a test against all other
sessions, with Benjamini–Hochberg q-values over every goal row; a funnel has its figures per
segment too.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from micromacro.collector import paused
from micromacro.conversions import goal_cells, goal_column
from micromacro.dimensions import Breakdown
from micromacro.goals import Funnel, Goal
from micromacro.metrics import rate
from micromacro.stats import two_proportion_p_value, wilson_interval

OTHER = "(other)"
DEFAULT_TOP = 20
DEFAULT_MIN_SESSIONS = 30
_CROSS = " / "


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

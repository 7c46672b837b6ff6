"""Metric tables: the input summary, the site summary and the goals table (SPEC 2.6, 4)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from micromacro.conversions import goal_column
from micromacro.goals import Goal
from micromacro.hits import BUCKETS

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None when there are no trials.

    >>> [round(x, 4) for x in wilson_interval(1, 10)]
    [0.0179, 0.4042]
    """
    if trials <= 0:
        return None
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(numerator: int | float, denominator: int | float) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is 0 (an empty report)."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class InputSummary:
    """Lines read and the bucket each fell in; the buckets add up to ``lines``."""

    lines: int
    files: int
    format: str
    buckets: dict[str, int]
    period_applied: bool = False

    def bucket_counts(self) -> dict[str, int]:
        """Lines per bucket in bucket order (``out_of_period`` only when a period was given)."""
        return {
            name: self.buckets.get(name, 0)
            for name in BUCKETS
            if name != "out_of_period" or self.period_applied
        }

    def as_dict(self) -> dict[str, object]:
        """The JSON ``input`` object: ``lines``, ``files``, ``format`` and one count per bucket."""
        return {
            "lines": self.lines,
            "files": self.files,
            "format": self.format,
            **self.bucket_counts(),
        }


def site_summary(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> dict[str, float | int]:
    """The summary figures of SPEC 4 from the session conversions table."""
    sessions = conversions.height
    macro = _any_goal(conversions, goals, "macro")
    micro = _any_goal(conversions, goals, "micro")
    pageviews = int(conversions["pageviews"].sum() or 0)
    return {
        "visitors": int(conversions["visitor_id"].n_unique()) if sessions else 0,
        "sessions": sessions,
        "pageviews": pageviews,
        "events": int(conversions["events"].sum() or 0),
        "bounce_rate": rate(int(conversions["bounce"].sum() or 0), sessions),
        "avg_session_duration_s": float(conversions["duration_s"].mean() or 0.0),  # type: ignore[arg-type]
        "pages_per_session": rate(pageviews, sessions),
        "macro_sessions": macro,
        "macro_conversion_rate": rate(macro, sessions),
        "micro_sessions": micro,
        "micro_conversion_rate": rate(micro, sessions),
    }


def _any_goal(conversions: pl.DataFrame, goals: tuple[Goal, ...], kind: str) -> int:
    columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == kind]
    if not columns or conversions.height == 0:
        return 0
    return int(conversions.select(pl.any_horizontal(pl.col(c) > 0 for c in columns).sum()).item())


GOAL_COLUMNS: tuple[str, ...] = (
    "name",
    "kind",
    "category",
    "type",
    "count",
    "conversions",
    "converting_sessions",
    "conversion_rate",
    "conversion_rate_ci_low",
    "conversion_rate_ci_high",
    "visitors",
    "visitor_conversion_rate",
    "visitor_conversion_rate_ci_low",
    "visitor_conversion_rate_ci_high",
    "value",
)


def goals_table(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> list[dict[str, object]]:
    """One row per goal, in goals-file order, with the fields of ``GOAL_COLUMNS``."""
    sessions = conversions.height
    visitors = int(conversions["visitor_id"].n_unique()) if sessions else 0
    rows: list[dict[str, object]] = []
    for i, goal in enumerate(goals):
        column = pl.col(goal_column(i))
        figures = conversions.select(
            column.sum().alias("conversions"),
            (column > 0).sum().alias("converting_sessions"),
            pl.col("visitor_id").filter(column > 0).n_unique().alias("visitors"),
        ).row(0, named=True)
        conversions_n = int(figures["conversions"] or 0)
        converting = int(figures["converting_sessions"] or 0)
        converting_visitors = int(figures["visitors"] or 0) if sessions else 0
        session_ci = wilson_interval(converting, sessions)
        visitor_ci = wilson_interval(converting_visitors, visitors)
        rows.append(
            {
                "name": goal.name,
                "kind": goal.kind,
                "category": goal.category,
                "type": goal.type,
                "count": goal.count,
                "conversions": conversions_n,
                "converting_sessions": converting,
                "conversion_rate": rate(converting, sessions),
                "conversion_rate_ci_low": session_ci[0] if session_ci else None,
                "conversion_rate_ci_high": session_ci[1] if session_ci else None,
                "visitors": converting_visitors,
                "visitor_conversion_rate": rate(converting_visitors, visitors),
                "visitor_conversion_rate_ci_low": visitor_ci[0] if visitor_ci else None,
                "visitor_conversion_rate_ci_high": visitor_ci[1] if visitor_ci else None,
                "value": goal.value * conversions_n if goal.value is not None else None,
            }
        )
    return rows

"""Metric tables: the input summary, the site summary and the goals table (SPEC 2.6, 4)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from micromacro.conversions import goal_column
from micromacro.goals import Goal
from micromacro.hits import BUCKETS
from micromacro.stats import difference_interval, two_proportion_p_value, wilson_interval


def rate(numerator: int | float, denominator: int | float) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is 0 (an empty report)."""
    return numerator / denominator if denominator else 0.0


@dataclass(frozen=True)
class InputSummary:
    """Lines read and the bucket each fell in; the buckets add up to ``lines``.

    ``bucket_names`` are the buckets of the kind of input read: ``hits.BUCKETS`` for access
    logs, ``hits.EXPORT_BUCKETS`` for event exports (whose rows count as lines). ``variants``
    says which variant of the format read how many lines (access logs only).
    """

    lines: int
    files: int
    format: str
    buckets: dict[str, int]
    period_applied: bool = False
    deduplicated: bool = False
    bucket_names: tuple[str, ...] = BUCKETS
    variants: dict[str, int] | None = None

    def bucket_counts(self) -> dict[str, int]:
        """Lines per bucket in bucket order (``out_of_period`` only when a period was given,
        ``comment`` and ``not_http`` only when the input had such lines, ``duplicate`` with
        ``--dedupe``)."""
        return {
            name: self.buckets.get(name, 0)
            for name in self.bucket_names
            if (name != "out_of_period" or self.period_applied)
            and (name not in ("comment", "not_http") or self.buckets.get(name, 0))
            and (name != "duplicate" or self.deduplicated)
        }

    def as_dict(self) -> dict[str, object]:
        """The JSON ``input`` object: ``lines``, ``files``, ``format``, one count per bucket and
        (access logs) ``variants``."""
        result: dict[str, object] = {
            "lines": self.lines,
            "files": self.files,
            "format": self.format,
            **self.bucket_counts(),
        }
        if self.variants is not None:
            result["variants"] = dict(self.variants)
        return result


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


def converted_kind(goals: tuple[Goal, ...], kind: str) -> pl.Expr:
    """Per session: whether it converted any goal of ``kind`` (macro or micro)."""
    columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == kind]
    if not columns:
        return pl.lit(False)
    return pl.any_horizontal(pl.col(c) > 0 for c in columns)


def _any_goal(conversions: pl.DataFrame, goals: tuple[Goal, ...], kind: str) -> int:
    if conversions.height == 0:
        return 0
    return int(conversions.select(converted_kind(goals, kind).sum()).item())


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


# Groups smaller than this are flagged in the micro → macro table, not hidden.
SMALL_SAMPLE_VISITORS = 30


def visitor_goals(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame:
    """One row per visitor: ``macro`` and ``micro`` (any goal of that kind in any session) and
    one boolean column per micro goal (``goal_0``, …)."""

    micro_columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == "micro"]
    return conversions.group_by("visitor_id").agg(
        converted_kind(goals, "macro").any().alias("macro"),
        converted_kind(goals, "micro").any().alias("micro"),
        *((pl.col(c) > 0).any().alias(c) for c in micro_columns),
    )


def engagement_ladder(visitors: pl.DataFrame) -> dict[str, object]:
    """Customers (any macro goal), potential customers (micro goals only), no value yet; and the
    macro rate of visitors with and without a micro goal (SPEC 2.6)."""
    total = visitors.height
    macro = pl.col("macro")
    micro = pl.col("micro")
    counts = visitors.select(
        macro.sum().alias("customers"),
        (micro & ~macro).sum().alias("potential_customers"),
        (~micro & ~macro).sum().alias("no_value_yet"),
        micro.sum().alias("micro"),
        (micro & macro).sum().alias("micro_and_macro"),
        (~micro & macro).sum().alias("macro_only"),
    ).row(0, named=True) if total else dict.fromkeys(
        ("customers", "potential_customers", "no_value_yet", "micro", "micro_and_macro",
         "macro_only"), 0
    )  # fmt: skip
    with_micro = int(counts["micro"] or 0)
    return {
        **{
            step: {"visitors": int(counts[step] or 0), "share": rate(int(counts[step] or 0), total)}
            for step in ("customers", "potential_customers", "no_value_yet")
        },
        "macro_rate_with_micro": rate(int(counts["micro_and_macro"] or 0), with_micro),
        "macro_rate_without_micro": rate(int(counts["macro_only"] or 0), total - with_micro),
    }


MICRO_MACRO_COLUMNS: tuple[str, ...] = (
    "goal",
    "visitors_with",
    "macro_visitors_with",
    "macro_rate_with",
    "visitors_without",
    "macro_visitors_without",
    "macro_rate_without",
    "lift",
    "diff_ci_low",
    "diff_ci_high",
    "p_value",
    "small_sample",
)


def micro_macro_table(visitors: pl.DataFrame, goals: tuple[Goal, ...]) -> list[dict[str, object]]:
    """For each micro goal: the macro rate of visitors who completed it and of those who did not,
    lift (ratio), 95% interval of the difference and a two-proportion p-value; by lift, highest
    first (no lift last)."""
    total = visitors.height
    all_macro = int(visitors["macro"].sum() or 0) if total else 0
    rows: list[dict[str, object]] = []
    for i, goal in enumerate(goals):
        if goal.kind != "micro":
            continue
        column = pl.col(goal_column(i))
        if total:
            n1, x1 = visitors.select(
                column.sum().alias("with"), (column & pl.col("macro")).sum().alias("macro_with")
            ).row(0)
        else:
            n1, x1 = 0, 0
        n1, x1 = int(n1 or 0), int(x1 or 0)
        n2, x2 = total - n1, all_macro - x1
        rate_with = x1 / n1 if n1 else None
        rate_without = x2 / n2 if n2 else None
        interval = difference_interval(x1, n1, x2, n2)
        lift = rate_with / rate_without if rate_with is not None and rate_without else None
        rows.append(
            {
                "goal": goal.name,
                "visitors_with": n1,
                "macro_visitors_with": x1,
                "macro_rate_with": rate_with,
                "visitors_without": n2,
                "macro_visitors_without": x2,
                "macro_rate_without": rate_without,
                "lift": lift,
                "diff_ci_low": interval[0] if interval else None,
                "diff_ci_high": interval[1] if interval else None,
                "p_value": two_proportion_p_value(x1, n1, x2, n2),
                "small_sample": min(n1, n2) < SMALL_SAMPLE_VISITORS,
            }
        )
    rows.sort(key=lambda row: (row["lift"] is None, -(row["lift"] or 0.0)))  # type: ignore[operator]
    return rows

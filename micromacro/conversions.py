"""Goal flags: which hits match which goal, and how many conversions each session makes.

Matchers compile to Polars expressions evaluated over the whole hit table; a goal's column in the
session table holds that session's conversions (0/1 for ``once_per_session``; the number of
matching hits for ``count: every`` on destination and event goals).
"""

from __future__ import annotations

import polars as pl

from micromacro.goals import (
    DestinationMatcher,
    EventMatcher,
    Goal,
    NumberCondition,
    StringMatcher,
)

_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def _escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in _REGEX_META else ch for ch in text)


def glob_to_regex(pattern: str) -> str:
    """An anchored regex for a path glob: ``**`` is anything, ``*`` stays within a segment.

    >>> glob_to_regex("/downloads/*.pdf")
    '^/downloads/[^/]*\\\\.pdf$'
    """
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(_escape(pattern[i]))
            i += 1
    return "^" + "".join(out) + "$"


def string_match(column: pl.Expr, matcher: StringMatcher) -> pl.Expr:
    """True where ``column`` passes ``matcher``; null values never match."""
    fold = not matcher.case_sensitive
    if matcher.op in ("regex", "glob"):
        pattern = matcher.value if matcher.op == "regex" else glob_to_regex(str(matcher.value))
        assert isinstance(pattern, str)
        return column.str.contains(f"(?i:{pattern})" if fold else pattern).fill_null(False)
    subject = column.str.to_lowercase() if fold else column
    values = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
    wanted = [v.lower() for v in values] if fold else list(values)
    if matcher.op == "equals":
        result = subject == wanted[0]
    elif matcher.op == "one_of":
        result = subject.is_in(wanted)
    elif matcher.op == "begins_with":
        result = subject.str.starts_with(wanted[0])
    else:  # contains
        result = subject.str.contains(wanted[0], literal=True)
    return result.fill_null(False)


def number_match(column: pl.Expr, condition: NumberCondition) -> pl.Expr:
    """True where every comparison of ``condition`` holds; null values never match."""
    result = pl.lit(True)
    if condition.greater_than is not None:
        result = result & (column > condition.greater_than)
    if condition.less_than is not None:
        result = result & (column < condition.less_than)
    if condition.equals is not None:
        result = result & (column == condition.equals)
    return result.fill_null(False)


def destination_match(matcher: DestinationMatcher) -> pl.Expr:
    """True for pageviews whose path (and query, with ``include_query``) matches."""
    target = pl.col("path")
    if matcher.include_query:
        target = pl.concat_str(
            pl.col("path"),
            pl.when(pl.col("query").is_not_null()).then(pl.lit("?") + pl.col("query")),
            ignore_nulls=True,
        )
    return (pl.col("kind") == "page") & string_match(target, matcher.matcher)


def event_match(matcher: EventMatcher) -> pl.Expr:
    """True for events whose every given field matches."""
    result = pl.col("kind") == "event"
    for field in ("category", "action", "label", "name"):
        field_matcher: StringMatcher | None = getattr(matcher, field)
        if field_matcher is not None:
            result = result & string_match(pl.col(f"event_{field}"), field_matcher)
    if matcher.value is not None:
        result = result & number_match(pl.col("event_value"), matcher.value)
    return result


def hit_match(goal: Goal) -> pl.Expr | None:
    """The per-hit expression of a destination or event goal; None for session-level goals."""
    if goal.destination is not None:
        return destination_match(goal.destination)
    if goal.event is not None:
        return event_match(goal.event)
    return None


def goal_column(index: int) -> str:
    """The internal column holding goal ``index``'s conversions (names may be anything)."""
    return f"goal_{index}"


def session_conversions(
    hits: pl.DataFrame, sessions: pl.DataFrame, goals: tuple[Goal, ...]
) -> pl.DataFrame:
    """``sessions`` plus one conversions column per goal (``goal_0``, ``goal_1``, …).

    ``hits`` are sessionized hits (``session`` column); ``sessions`` their session table.
    """
    hit_goals = [(i, g, hit_match(g)) for i, g in enumerate(goals)]
    per_hit = [expr.alias(goal_column(i)) for i, _, expr in hit_goals if expr is not None]
    if per_hit:
        counts = (
            hits.lazy()
            .select(pl.col("session"), *per_hit)
            .group_by("session")
            .agg(
                pl.col(goal_column(i)).sum().cast(pl.UInt32)
                for i, _, e in hit_goals
                if e is not None
            )
            .collect()
        )
        table = sessions.join(counts, on="session", how="left")
    else:
        table = sessions
    columns = []
    for i, goal, expr in hit_goals:
        name = goal_column(i)
        if expr is None:
            assert goal.condition is not None
            measure = pl.col("duration_s") if goal.type == "duration" else pl.col("pageviews")
            columns.append(number_match(measure, goal.condition).cast(pl.UInt32).alias(name))
        elif goal.count == "once_per_session":
            columns.append((pl.col(name) > 0).cast(pl.UInt32).alias(name))
    return table.with_columns(columns).sort("session")

"""Goal flags: which hits match which goal, and how many conversions each session makes.

A goal's column in the session table holds that session's conversions (0/1 for
``once_per_session``; the number of matching hits for ``count: every`` on destination and event
goals). ``hit_match`` and its parts compile one matcher to a Polars expression over the hit table
(funnel steps use them); ``session_conversions`` evaluates all goals of a file in one pass, each
matcher once on the distinct values it tests (see "all goals at once" below). ``goal_cells`` and
``goal_block`` turn goal columns into a long table of their non-zero cells and back, so that
tables of thousands of goal columns are aggregated without an expression per column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import polars as pl

from micromacro.collector import paused
from micromacro.dimensions import QUERY_PREFIX
from micromacro.distinct import query_parameter, url_decoded
from micromacro.goals import (
    EVENT_FIELDS,
    DestinationMatcher,
    EventMatcher,
    Goal,
    NumberCondition,
    StringMatcher,
)
from micromacro.hit_schema import as_number, usable_value
from micromacro.matchers import destination_target, fold_text, folded, string_match


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


# How a string test becomes an expression: ``string_match``, or ``DistinctTests`` over a frame.
StringTest = Callable[[pl.Expr, StringMatcher], pl.Expr]


class DistinctTests:
    """String tests over the hits of ``frame`` (or of the same hits in another order), each
    decided once per distinct value of what it reads (a column, or a pageview's path and
    query) and applied to the hits by ``is_in``: folding the case of every hit's path for each
    test cost more than the tests themselves. The distinct values of a subject, and the values
    passing a matcher, are found once however many times they are asked for (the funnels of a
    report share their tests)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame
        self._values: dict[str, pl.Series] = {}
        self._passing: dict[tuple[str, StringMatcher], pl.Series] = {}

    def __call__(self, subject: pl.Expr, matcher: StringMatcher) -> pl.Expr:
        """True where ``subject`` passes ``matcher`` (as ``string_match`` says)."""
        key = str(subject)
        if (key, matcher) not in self._passing:
            if key not in self._values:
                values = self._frame.select(subject.alias("value")).get_column("value")
                self._values[key] = values.drop_nulls().unique()
            values = self._values[key]
            passes = values.to_frame().select(string_match(pl.col("value"), matcher)).to_series()
            self._passing[key, matcher] = values.filter(passes)
        return subject.is_in(self._passing[key, matcher].implode()).fill_null(False)


def destination_match(matcher: DestinationMatcher, test: StringTest = string_match) -> pl.Expr:
    """True for pageviews whose path (and query, with ``include_query``) matches."""
    return (pl.col("kind") == "page") & test(
        destination_target(matcher.include_query), matcher.matcher
    )


def event_match(matcher: EventMatcher, test: StringTest = string_match) -> pl.Expr:
    """True for events whose every given field matches."""
    result = pl.col("kind") == "event"
    for field in EVENT_FIELDS:
        field_matcher: StringMatcher | None = getattr(matcher, field)
        if field_matcher is not None:
            result = result & test(pl.col(f"event_{field}"), field_matcher)
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


# --- all goals at once -------------------------------------------------------------------------
#
# A file may hold thousands of goals, and an expression per goal over every hit costs as much as
# the goals times the hits. So every matcher is evaluated once on the distinct values it tests
# (distinct destinations, distinct event field tuples, distinct session lengths), where most
# operators need no expression per matcher at all: ``equals``/``one_of`` are a join,
# ``begins_with`` a join on prefixes, ``contains`` one Aho-Corasick pass over all needles; only
# ``regex``/``glob`` patterns and number conditions are an expression each, all in one select
# over the distinct values. The matches are joined back to the hits as a long table of
# (session, goal, hits), summed in one group_by, and spread into the goal columns in one scatter.

_T = TypeVar("_T")
_ID = pl.UInt32()
_PAIRS_SCHEMA: dict[str, pl.DataType] = {"row": _ID, "test": _ID}
_LONG_SCHEMA: dict[str, pl.DataType] = {"session": _ID, "goal": _ID, "hits": _ID}
_CUT_ROWS = 1_000_000  # values × prefix lengths cut at once (begins_with)


def _ids(values: Sequence[int]) -> pl.Series:
    return pl.Series(values, dtype=_ID)


def _distinct(items: Sequence[_T]) -> tuple[list[_T], list[int]]:
    """The distinct ``items`` in first-seen order, and the position of each item among them."""
    index: dict[_T, int] = {}
    positions = [index.setdefault(item, len(index)) for item in items]
    return list(index), positions


def _goal_tests(tests: Sequence[int], goals: Sequence[int], offset: int = 0) -> pl.DataFrame:
    """(test, goal): the test each goal needs (tests numbered from ``offset``)."""
    return pl.DataFrame({"test": _ids([test + offset for test in tests]), "goal": _ids(goals)})


def _passing(frame: pl.DataFrame, tests: Sequence[pl.Expr]) -> pl.DataFrame:
    """(row, test) for each row of ``frame`` (its ``row`` column) and position ``test`` in
    ``tests`` of a boolean expression true on it (null is false): one select for all tests."""
    if not tests or frame.height == 0:
        return pl.DataFrame(schema=_PAIRS_SCHEMA)
    rows = frame.select(
        pl.col("row").filter(test).implode().alias(str(i)) for i, test in enumerate(tests)
    )
    return (
        rows.unpivot(variable_name="test", value_name="row")
        .explode("row")
        .drop_nulls("row")
        .select(pl.col("row").cast(_ID), pl.col("test").cast(_ID))
    )


def _equal_pairs(frame: pl.DataFrame, key: str, wanted: pl.DataFrame) -> pl.DataFrame:
    """Rows whose ``key`` column (``value``, or ``folded`` for case-insensitive tests) is one
    of a test's values."""
    return frame.join(wanted, left_on=key, right_on="wanted").select("row", "test")


def _prefix_pairs(frame: pl.DataFrame, key: str, wanted: pl.DataFrame) -> pl.DataFrame:
    """Rows whose ``key`` column begins with a test's prefix: each value cut to every prefix
    length (in characters) and joined with the prefixes. A cut is a prefix of its value, so a
    cut equal to a test's prefix is a match, whatever length it was cut to. The lengths go in
    batches of at most ``_CUT_ROWS`` cuts."""
    lengths = sorted({len(text) for text in wanted.get_column("wanted")})
    batch = max(1, _CUT_ROWS // max(frame.height, 1))
    parts = []
    for start in range(0, len(lengths), batch):
        some = pl.DataFrame({"length": lengths[start : start + batch]}, schema={"length": _ID})
        cut = (
            frame.select("row", key)
            .join(some, how="cross")
            .with_columns(pl.col(key).str.slice(0, pl.col("length")))
        )
        tests = wanted.filter(pl.col("wanted").str.len_chars().is_in(some["length"].implode()))
        parts.append(_equal_pairs(cut, key, tests))
    return pl.concat(parts)


def _contains_pairs(frame: pl.DataFrame, key: str, wanted: pl.DataFrame) -> pl.DataFrame:
    """Rows whose ``key`` column contains a test's text: every needle found in one
    Aho-Corasick pass (overlapping matches, so a needle inside another is found too)."""
    needles = wanted.get_column("wanted").unique().to_list()
    found = (
        frame.select("row", pl.col(key).str.extract_many(needles, overlapping=True))
        .explode(key)
        .drop_nulls(key)
        .unique()
    )
    return found.join(wanted, left_on=key, right_on="wanted").select("row", "test")


# How the tests of each operator find their rows among the distinct values (``_string_pairs``).
_PAIRS_OF: dict[str, Callable[[pl.DataFrame, str, pl.DataFrame], pl.DataFrame]] = {
    "equals": _equal_pairs,
    "begins": _prefix_pairs,
    "contains": _contains_pairs,
}


def _string_pairs(values: pl.Series, matchers: Sequence[StringMatcher]) -> pl.DataFrame:
    """(value, test): each distinct non-null string of ``values`` and position ``test`` in
    ``matchers`` of a matcher it passes (as ``string_match`` says). The tests are grouped by
    operator and case: only the groups a file uses cost a query."""
    # (operator, case folded): the (test, text) pairs it looks for.
    grouped: dict[tuple[str, bool], list[tuple[int, str]]] = {}
    expressions: list[tuple[int, pl.Expr]] = []
    for test, matcher in enumerate(matchers):
        ignore_case = not matcher.case_sensitive
        texts = matcher.value if isinstance(matcher.value, tuple) else (matcher.value,)
        wanted = [fold_text(text) for text in texts] if ignore_case else list(texts)
        if matcher.op in ("equals", "one_of"):
            op = "equals"
        elif matcher.op == "begins_with":
            op, wanted = "begins", wanted[:1]
        elif matcher.op == "contains" and wanted[0]:
            op, wanted = "contains", wanted[:1]
        else:  # regex, glob (and an empty needle, which every value contains)
            expressions.append((test, string_match(pl.col("value"), matcher)))
            continue
        grouped.setdefault((op, ignore_case), []).extend((test, text) for text in wanted)
    frame = pl.DataFrame({"value": values.cast(pl.String)}).drop_nulls().unique()
    frame = frame.with_row_index("row")
    if any(ignore_case for _, ignore_case in grouped):
        frame = frame.with_columns(folded(pl.col("value")).alias("folded"))
    parts = [
        _PAIRS_OF[op](
            frame,
            "folded" if ignore_case else "value",
            pl.DataFrame(pairs, schema={"test": _ID, "wanted": pl.String()}, orient="row"),
        )
        for (op, ignore_case), pairs in grouped.items()
    ]
    if expressions:
        passing = _passing(frame, [expression for _, expression in expressions])
        ids = pl.DataFrame({"id": _ids([test for test, _ in expressions])}).with_row_index("test")
        parts.append(passing.join(ids, on="test").select("row", pl.col("id").alias("test")))
    if not parts:
        return pl.DataFrame(schema={"value": pl.String(), "test": _ID})
    return (
        pl.concat(parts)
        .unique()
        .join(frame.select("row", "value"), on="row")
        .select("value", "test")
    )


def _destination_conversions(
    pages: pl.LazyFrame, goals: Sequence[tuple[int, DestinationMatcher]]
) -> pl.DataFrame:
    """(session, goal, hits): the pageviews of each session matching each destination goal
    (``goals``: (goal id, matcher) pairs, all with or all without ``include_query``).

    The goals are matched on the distinct destinations; where most of those match no goal
    (a few goals, many pages), only the pageviews of the matching ones are counted per
    session."""
    if not goals:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    target = destination_target(goals[0][1].include_query)
    distinct = pages.select(target.alias("value")).unique().collect().get_column("value")
    matches = _destination_matches(distinct, goals)
    wanted = matches.get_column("value").unique()
    if 2 * wanted.len() < distinct.len():
        pages = pages.filter(target.is_in(wanted.implode()))
    visits = (
        pages.group_by(target.alias("value"), "session")
        .agg(pl.len().cast(_ID).alias("hits"))
        .collect()
    )
    return visits.join(matches, on="value").select("session", "goal", "hits")


def _destination_matches(
    targets: pl.Series, goals: Sequence[tuple[int, DestinationMatcher]]
) -> pl.DataFrame:
    """(value, goal): each distinct destination of ``targets`` and the goals it matches."""
    tests, test_of_goal = _distinct([matcher.matcher for _, matcher in goals])
    pairs = _string_pairs(targets, tests)
    return pairs.join(_goal_tests(test_of_goal, [i for i, _ in goals]), on="test").select(
        "value", "goal"
    )


def _event_conversions(
    events: pl.LazyFrame, goals: Sequence[tuple[int, EventMatcher]]
) -> pl.DataFrame:
    """(session, goal, hits): the events of each session matching each event goal, decided
    once per distinct tuple of the event fields the goals test (category, action, label, name,
    value)."""
    if not goals:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    tuples = _event_tuples(events, goals, "session")
    per_session = (
        tuples.select("row", "session")
        .explode("session")
        .group_by("row", "session")
        .agg(pl.len().cast(_ID).alias("hits"))
    )
    return (
        _event_matches(tuples, goals).join(per_session, on="row").select("session", "goal", "hits")
    )


def _event_tuples(
    events: pl.LazyFrame, goals: Sequence[tuple[int, EventMatcher]], listed: str
) -> pl.DataFrame:
    """Each distinct tuple of the event fields ``goals`` test (``row``: its number), with the
    list of the ``listed`` column of its events."""
    tested = [f for f in (*EVENT_FIELDS, "value") if any(getattr(m, f) for _, m in goals)]
    columns: list[pl.Expr] = [pl.col(f"event_{field}") for field in tested]
    columns = columns or [pl.lit(True).alias("_event")]  # no field tested: every event
    return events.group_by(columns).agg(pl.col(listed)).collect().with_row_index("row")


def _event_matches(tuples: pl.DataFrame, goals: Sequence[tuple[int, EventMatcher]]) -> pl.DataFrame:
    """(row, goal): the tuples of ``_event_tuples`` each event goal matches."""
    requirements: list[pl.DataFrame] = []  # (test, goal): what each goal needs, all of it
    passed: list[pl.DataFrame] = []  # (row, test): what each tuple passes
    offset = 0
    for field in EVENT_FIELDS:
        used = [(i, m) for i, matcher in goals if (m := getattr(matcher, field)) is not None]
        if not used:
            continue
        tests, test_of_goal = _distinct([m for _, m in used])
        pairs = _string_pairs(tuples.get_column(f"event_{field}"), tests)
        passed.append(
            tuples.select("row", pl.col(f"event_{field}").cast(pl.String).alias("value"))
            .join(pairs, on="value")
            .select("row", (pl.col("test") + offset).alias("test"))
        )
        requirements.append(_goal_tests(test_of_goal, [i for i, _ in used], offset))
        offset += len(tests)
    valued = [(i, matcher.value) for i, matcher in goals if matcher.value is not None]
    if valued:
        conditions, test_of_goal = _distinct([condition for _, condition in valued])
        checks = [number_match(pl.col("event_value"), condition) for condition in conditions]
        passing = _passing(tuples, checks)
        passed.append(passing.select("row", (pl.col("test") + offset).alias("test")))
        requirements.append(_goal_tests(test_of_goal, [i for i, _ in valued], offset))
    required = pl.concat(requirements) if requirements else _goal_tests([], [])
    needed = required.group_by("goal").agg(pl.len().alias("needed"))
    matched = (
        (pl.concat(passed) if passed else pl.DataFrame(schema=_PAIRS_SCHEMA))
        .join(required, on="test")
        .group_by("row", "goal")
        .agg(pl.len().alias("passed"))
        .join(needed, on="goal")
        .filter(pl.col("passed") == pl.col("needed"))
        .select("row", "goal")
    )
    unconditional = _ids([i for i, matcher in goals if not _tests_anything(matcher)])
    if unconditional.len():  # no field given: every event
        everything = tuples.select("row").join(pl.DataFrame({"goal": unconditional}), how="cross")
        matched = pl.concat([matched, everything])
    return matched


def _tests_anything(matcher: EventMatcher) -> bool:
    return matcher.value is not None or any(
        getattr(matcher, field) is not None for field in EVENT_FIELDS
    )


def _session_goal_conversions(
    sessions: pl.DataFrame, measure: str, goals: Sequence[tuple[int, NumberCondition]]
) -> pl.DataFrame:
    """(session, goal, hits = 1): the sessions whose ``measure`` (``duration_s`` or
    ``pageviews``) meets each goal's condition, decided once per distinct measure."""
    if not goals:
        return pl.DataFrame(schema=_LONG_SCHEMA)
    conditions, test_of_goal = _distinct([condition for _, condition in goals])
    values = sessions.group_by(measure).agg(pl.col("session")).with_row_index("row")
    passing = _passing(values, [number_match(pl.col(measure), c) for c in conditions])
    goal_tests = _goal_tests(test_of_goal, [i for i, _ in goals])
    return (
        passing.join(goal_tests, on="test")
        .join(values.select("row", "session").explode("session"), on="row")
        .select(pl.col("session").cast(_ID), "goal", pl.lit(1, dtype=_ID).alias("hits"))
    )


@paused()
def goal_block(cells: pl.DataFrame, height: int, names: Sequence[str]) -> pl.DataFrame:
    """A frame of ``height`` rows and one column per name of ``names`` from a long table of
    cells (``row``, ``goal``: the column's position in ``names``, ``value``): each cell's value
    at its place, 0 (false for boolean values) elsewhere. One scatter into a block of the
    columns end to end, which each column is a slice of: no expression per column."""
    dtype = cells.schema["value"]
    if height == 0 or not names:
        return pl.DataFrame(schema=dict.fromkeys(names, dtype))
    places = cells.select(
        (pl.col("goal").cast(pl.UInt64) * height + pl.col("row")).alias("cell"), "value"
    )
    empty = pl.repeat(pl.lit(0).cast(dtype), height * len(names), eager=True)
    block = empty.scatter(places.get_column("cell"), places.get_column("value"))
    return pl.DataFrame(
        [block.slice(i * height, height).alias(name) for i, name in enumerate(names)]
    )


@paused()
def goal_cells(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """The cells of ``columns`` of ``frame`` above 0 (or true), as a long table: ``goal`` (the
    column's position in ``columns``), ``row`` (the frame's row) and ``value``. The columns are
    stacked end to end and filtered once: no expression per column."""
    height = frame.height
    if not columns:
        return pl.DataFrame(schema={"goal": _ID, "row": _ID, "value": pl.UInt32()})
    block = frame[list(columns)]
    try:
        stacked = pl.concat(block.get_columns(), rechunk=True)
    except pl.exceptions.SchemaError:  # columns of different types
        stacked = pl.concat(block.cast(pl.Int64).get_columns(), rechunk=True)
    above = stacked if stacked.dtype == pl.Boolean else stacked > 0
    index = pl.int_range(len(stacked), dtype=pl.UInt64, eager=True).filter(above)
    return pl.DataFrame(
        {
            "goal": (index // max(height, 1)).cast(_ID),
            "row": (index % max(height, 1)).cast(_ID),
            "value": stacked.filter(above).alias("value"),
        }
    )


def _per_hit(goal: Goal) -> bool:
    """Whether ``goal`` is decided hit by hit (destination, event), as ``hit_match`` says."""
    return goal.destination is not None or goal.event is not None


@paused()
def session_conversions(
    hits: pl.DataFrame, sessions: pl.DataFrame, goals: tuple[Goal, ...]
) -> pl.DataFrame:
    """``sessions`` plus one conversions column per goal (``goal_0``, ``goal_1``, …).

    ``hits`` are sessionized hits (``session`` column); ``sessions`` their session table. The
    columns of destination and event goals come first, then those of duration and pages goals,
    each in goals-file order; rows are in session order.
    """
    # Goals are numbered by their column's position here (hit goals first), as in the table.
    hit_goals = [i for i, goal in enumerate(goals) if _per_hit(goal)]
    session_goals = [i for i, goal in enumerate(goals) if not _per_hit(goal)]
    order = [*hit_goals, *session_goals]
    placed = [(position, goals[i]) for position, i in enumerate(order)]
    lazy = hits.lazy()
    pages = lazy.filter(pl.col("kind") == "page")
    parts = [
        _destination_conversions(
            pages,
            [(p, g.destination) for p, g in placed
             if g.destination is not None and g.destination.include_query == include_query],
        )
        for include_query in (False, True)
    ]  # fmt: skip
    parts.append(
        _event_conversions(
            lazy.filter(pl.col("kind") == "event"),
            [(p, g.event) for p, g in placed if g.destination is None and g.event is not None],
        )
    )
    for measure, is_duration in (("duration_s", True), ("pageviews", False)):
        chosen = [
            (p, g.condition)
            for p, g in placed
            if not _per_hit(g) and g.condition is not None
            and (g.type == "duration") == is_duration
        ]  # fmt: skip
        parts.append(_session_goal_conversions(sessions, measure, chosen))
    every = _ids([p for p, g in placed if g.count == "every" and _per_hit(g)])
    long = (
        pl.concat(part.select(pl.col(c).cast(_ID) for c in _LONG_SCHEMA) for part in parts)
        .group_by("session", "goal")
        .agg(pl.col("hits").sum())
        .select(
            "session",
            "goal",
            pl.when(pl.col("goal").is_in(every.implode()))
            .then(pl.col("hits"))
            .otherwise(pl.lit(1, dtype=_ID))
            .cast(_ID)
            .alias("conversions"),
        )
    )
    ordered = sessions.sort("session")
    rows = ordered.select(pl.col("session").cast(_ID)).with_row_index("row")
    cells = long.join(rows, on="session").select(
        pl.col("row").cast(_ID), "goal", pl.col("conversions").alias("value")
    )
    names = [goal_column(i) for i in order]
    return ordered.hstack(goal_block(cells, ordered.height, names))


# --- values from the data ----------------------------------------------------------------------

REVENUE_SCHEMA: dict[str, pl.DataType] = {
    "session": _ID,
    "goal": _ID,
    "currency": pl.String(),
    "revenue": pl.Float64(),
}
# Amounts of money are added as whole billionths of their unit, exactly below 2**100 of them.
_BILLIONTHS = 1_000_000_000
_EXACT_BELOW = 2.0**100


def summed_revenue() -> pl.Expr:
    """The sum of the ``revenue`` column, the same whatever order its rows are added in: each
    amount as a whole number of billionths, added exactly (in 128 bits), then divided back.
    Floats added on several threads differ in their last bits from run to run, and over
    thousands of amounts by more than the 15 digits a report shows (735880.169999994 against
    735880.170000007). Amounts beyond 2**100 billionths, or not finite, are added as floats."""
    billionths = (pl.col("revenue") * _BILLIONTHS).round()
    exact = billionths.abs() < _EXACT_BELOW
    whole = pl.when(exact).then(billionths).cast(pl.Int128).sum() / _BILLIONTHS
    return pl.when(exact.all()).then(whole).otherwise(pl.col("revenue").sum()).alias("revenue")


def hit_values(hits: pl.DataFrame, column: str) -> pl.Series:
    """Per hit, the value a goal takes ``from:`` ``column`` (definitions §2.4): a number column
    of the hits (``revenue``, ``event_value``, an export's value or kept column, as numbers),
    or ``query:NAME``, the parameter of the hit's query, URL-decoded once per distinct value.
    Null where the hit has no value (no such column, no number, not finite or beyond
    ``MAX_VALUE``)."""
    if column.startswith(QUERY_PREFIX):
        name = column.removeprefix(QUERY_PREFIX)
        raw = hits.select(query_parameter(pl.col("query"), name)).to_series()
        decoded = url_decoded(raw)
    elif column in hits.columns:
        decoded = hits.get_column(column)
        if decoded.dtype.is_numeric():
            numbers = decoded.cast(pl.Float64).to_frame("value")
            return numbers.select(usable_value(pl.col("value"))).to_series()
    else:
        return pl.repeat(None, hits.height, dtype=pl.Float64, eager=True)
    texts = pl.DataFrame({"value": decoded.cast(pl.String)})
    return texts.select(as_number(pl.col("value"))).to_series()


@paused()
def session_revenue(hits: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame:
    """(session, goal, currency, revenue): what the conversions of each goal valued from the data
    (``value_from``) are worth in each session, per currency of the matching hits (null: none).

    As conversions count (definitions §2.4): with ``count: once_per_session`` the value of the
    session's first matching hit (none when that hit has no value), with ``count: every`` the
    sum of the values of all its matching hits. ``goal`` is the goal's position in ``goals``.
    Matching is the one of ``session_conversions``, on distinct destinations and event tuples;
    only these goals are matched again, hit by hit."""
    valued = [(i, goal) for i, goal in enumerate(goals) if goal.value_from is not None]
    if not valued or hits.height == 0:
        return pl.DataFrame(schema=REVENUE_SCHEMA)
    columns, column_of_goal = _distinct([goal.value_from or "" for _, goal in valued])
    currency = pl.col("currency") if "currency" in hits.columns else pl.lit(None, pl.String)
    frame = hits.select(
        pl.int_range(pl.len(), dtype=_ID).alias("_hit"),
        pl.col("session").cast(_ID),
        currency.cast(pl.String).alias("currency"),
        *(hit_values(hits, column).alias(f"_value_{k}") for k, column in enumerate(columns)),
    )
    matched = _valued_matches(hits.lazy().with_row_index("_hit"), valued)
    value = pl.lit(None, dtype=pl.Float64)
    for k in range(len(columns)):
        value = pl.when(pl.col("_column") == k).then(pl.col(f"_value_{k}")).otherwise(value)
    hits_valued = (
        matched.join(
            pl.DataFrame({"goal": _ids([i for i, _ in valued]), "_column": _ids(column_of_goal)}),
            on="goal",
        )
        .join(frame, on="_hit")
        .select("_hit", "session", "goal", "currency", value.alias("revenue"))
    )
    every = _ids([i for i, goal in valued if goal.count == "every"]).implode()
    firsts = (
        hits_valued.filter(~pl.col("goal").is_in(every))
        .group_by("session", "goal")
        .agg(pl.all().sort_by("_hit").first())
        .drop("_hit")
    )
    sums = (
        hits_valued.filter(pl.col("goal").is_in(every) & pl.col("revenue").is_not_null())
        .group_by("session", "goal", "currency")
        .agg(summed_revenue())
    )
    typed = [pl.col(name).cast(dtype) for name, dtype in REVENUE_SCHEMA.items()]
    return pl.concat([firsts.select(typed), sums.select(typed)]).drop_nulls("revenue")


def _valued_matches(hits: pl.LazyFrame, valued: Sequence[tuple[int, Goal]]) -> pl.DataFrame:
    """(_hit, goal): every hit (by its ``_hit`` number) matching each of the ``valued`` goals,
    decided once per distinct destination or event tuple as ``session_conversions`` does."""
    parts = [pl.DataFrame(schema={"_hit": _ID, "goal": _ID})]
    pages = hits.filter(pl.col("kind") == "page")
    for include_query in (False, True):
        chosen = [
            (i, goal.destination)
            for i, goal in valued
            if goal.destination is not None and goal.destination.include_query == include_query
        ]
        if chosen:
            targets = pages.select(
                "_hit", destination_target(include_query).alias("value")
            ).collect()
            matches = _destination_matches(targets.get_column("value"), chosen)
            parts.append(targets.join(matches, on="value").select("_hit", "goal"))
    events = [(i, goal.event) for i, goal in valued if goal.event is not None]
    if events:
        tuples = _event_tuples(hits.filter(pl.col("kind") == "event"), events, "_hit")
        parts.append(
            _event_matches(tuples, events)
            .join(tuples.select("row", "_hit").explode("_hit"), on="row")
            .select("_hit", "goal")
        )
    return pl.concat(part.select(pl.col("_hit", "goal").cast(_ID)) for part in parts)

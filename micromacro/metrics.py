"""Metric tables: the input summary, the site summary and the goals table (definitions §2.6, §4),
with what the goals' conversions are worth (revenue, kept apart by currency)."""

from __future__ import annotations

from dataclasses import replace

import polars as pl

from micromacro.collector import paused
from micromacro.distinct import per_distinct
from micromacro.goal_matching import (
    REVENUE_SCHEMA,
    goal_block,
    goal_cells,
    goal_column,
    summed_revenue,
)
from micromacro.goals import Goal
from micromacro.rows import (
    GOAL_FIELDS,
    LADDER_STEPS,
    CurrencyRevenue,
    GoalRow,
    LadderRow,
    LadderStep,
    MicroMacroRow,
    Revenues,
    SummaryFigures,
)
from micromacro.stats import (
    difference_interval,
    spreadsheet_figure,
    two_proportion_p_value,
    wilson_interval,
)
from micromacro.text import inert, listed

# The characters of a currency named in a message: an export's currency column may hold
# anything (a real code has three).
CURRENCY_CHARS = 20


def rate(numerator: int | float, denominator: int | float) -> float:
    """``numerator / denominator``, or 0.0 when the denominator is 0 (an empty report)."""
    return numerator / denominator if denominator else 0.0


# --- revenue -----------------------------------------------------------------------------------


def money_sum(total: float) -> float:
    """A sum of amounts of money as the decimal of its float's first 15 significant digits: a
    sum of floats differs in its last bits with the order its rows were added in (Polars sums a
    group on several threads), so a report would differ between two runs of one input
    (12483.12 against 12483.119999999999); 15 digits are those a spreadsheet shows.

    >>> money_sum(0.1 + 0.1 + 0.1), money_sum(12483.119999999999), money_sum(1234567.891)
    (0.3, 12483.12, 1234567.891)
    """
    return float(spreadsheet_figure(total))


@paused()
def revenue_cells(
    conversions: pl.DataFrame, revenue: pl.DataFrame, goals: tuple[Goal, ...]
) -> pl.DataFrame:
    """(session, goal, currency, revenue): what each session's conversions of each goal with a
    value are worth (definitions §2.4). A fixed value is ``value`` × the session's conversions,
    without a currency; a value from the data comes from ``revenue`` (``session_revenue``).
    ``goal`` is the goal's position in ``goals``."""
    fixed = [i for i, goal in enumerate(goals) if goal.value is not None]
    cells = goal_cells(conversions, [goal_column(i) for i in fixed])
    amounts = pl.Series([goals[i].value for i in fixed], dtype=pl.Float64)
    ids = pl.Series(fixed, dtype=pl.UInt32)
    valued = pl.DataFrame(
        {
            "session": conversions.get_column("session").cast(pl.UInt32).gather(cells["row"]),
            "goal": ids.gather(cells["goal"]),
            "currency": pl.repeat(None, cells.height, dtype=pl.String, eager=True),
            "revenue": amounts.gather(cells["goal"]) * cells["value"].cast(pl.Float64),
        },
        schema=REVENUE_SCHEMA,
    )
    return pl.concat([valued, revenue.select(list(REVENUE_SCHEMA))])


def revenues(parts: pl.DataFrame) -> tuple[CurrencyRevenue, ...]:
    """The revenue of ``parts`` (``currency``, ``revenue``) summed per currency, in currency
    order (values without a currency last)."""
    summed = parts.group_by("currency").agg(summed_revenue()).sort("currency", nulls_last=True)
    return tuple(
        CurrencyRevenue(c, money_sum(r))
        for c, r in summed.select("currency", "revenue").iter_rows()
    )


def single_currency(parts: Revenues) -> tuple[float | None, str | None]:
    """The revenue of ``parts`` and its currency: null with no value at all, or when it is in
    several currencies (they are never added up); 0 when nothing converted."""
    if parts is None or len(parts) > 1:
        return None, None
    if not parts:
        return 0.0, None
    return parts[0].revenue, parts[0].currency


def revenue_warnings(summary: SummaryFigures, goals: tuple[GoalRow, ...]) -> list[str]:
    """One warning per goal, and for the macro revenue, whose revenue is in several
    currencies: its revenue is null, and JSON lists it per currency."""
    found = [(f"goal {row.name!r}", row.revenue_by_currency) for row in goals]
    found.append(("the macro revenue", summary.macro_revenue_by_currency))
    return [
        f"{what}: revenue in {len(parts):,} currencies ({_listed(parts)}) is not added up; "
        "it is null, and JSON lists it by currency"
        for what, parts in found
        if parts is not None and len(parts) > 1
    ]


def _listed(parts: tuple[CurrencyRevenue, ...]) -> str:
    """Each currency (cut to ``CURRENCY_CHARS``) with its revenue, the first few
    (``text.listed``): an export's currency column may hold anything."""
    return listed([f"{currency_text(part.currency)} {part.revenue:,.2f}" for part in parts])


def currency_text(currency: str | None) -> str:
    """A currency as a message names it: cut to ``CURRENCY_CHARS``, ``no currency`` for none."""
    return inert(currency, limit=CURRENCY_CHARS) if currency else "no currency"


def _kind_revenue(
    cells: pl.DataFrame, goals: tuple[Goal, ...], kind: str
) -> tuple[pl.DataFrame, bool]:
    """The revenue cells of the goals of ``kind``, and whether any such goal has a value."""
    ids = [i for i, goal in enumerate(goals) if goal.kind == kind and goal.has_value]
    return cells.filter(pl.col("goal").is_in(pl.Series(ids, dtype=pl.UInt32).implode())), bool(ids)


# --- the summary and the goals ------------------------------------------------------------------


@paused()
def site_summary(
    conversions: pl.DataFrame, goals: tuple[Goal, ...], cells: pl.DataFrame | None = None
) -> SummaryFigures:
    """The summary figures of definitions §4 from the session conversions table and the
    ``revenue_cells`` of its goals; the macro (micro) conversion rate is null when no goal is
    macro (micro), the macro revenue when no macro goal has a value."""
    sessions = conversions.height
    macro, micro = _kind_sessions(conversions, goals)
    figures = conversions.select(
        pl.col("pageviews").sum(),
        pl.col("events").sum(),
        pl.col("bounce").sum(),
        pl.col("duration_s").mean().cast(pl.Float64),
    ).row(0)
    pageviews, events, bounces, duration = (value or 0 for value in figures)
    macro_cells, valued = _kind_revenue(_cells(conversions, goals, cells), goals, "macro")
    parts = revenues(macro_cells) if valued else None
    revenue, currency = single_currency(parts)
    engaged_count = int(conversions.select(engaged(goals).sum()).item() or 0)
    return SummaryFigures(
        visitors=int(conversions["visitor_id"].n_unique()) if sessions else 0,
        sessions=sessions,
        pageviews=int(pageviews),
        events=int(events),
        bounce_rate=rate(int(bounces), sessions),
        avg_session_duration_s=float(duration),
        pages_per_session=rate(int(pageviews), sessions),
        macro_sessions=macro,
        macro_conversion_rate=rate(macro, sessions) if has_kind(goals, "macro") else None,
        micro_sessions=micro,
        micro_conversion_rate=rate(micro, sessions) if has_kind(goals, "micro") else None,
        macro_revenue=revenue,
        macro_revenue_per_session=rate(revenue, sessions) if revenue is not None else None,
        currency=currency,
        macro_revenue_by_currency=parts,
        bounces=int(bounces),
        engaged_sessions=engaged_count,
        engagement_rate=rate(engaged_count, sessions),
    )


def _cells(
    conversions: pl.DataFrame, goals: tuple[Goal, ...], cells: pl.DataFrame | None
) -> pl.DataFrame:
    """``cells``, or without them the ``revenue_cells`` of the fixed values alone."""
    if cells is not None:
        return cells
    return revenue_cells(conversions, pl.DataFrame(schema=REVENUE_SCHEMA), goals)


def has_kind(goals: tuple[Goal, ...], kind: str) -> bool:
    """Whether some goal is of ``kind``: without one, the kind's rate is undefined (null)."""
    return any(goal.kind == kind for goal in goals)


def converted_kind(goals: tuple[Goal, ...], kind: str) -> pl.Expr:
    """Per session: whether it converted any goal of ``kind`` (macro or micro)."""
    columns = [goal_column(i) for i, g in enumerate(goals) if g.kind == kind]
    if not columns:
        return pl.lit(False)
    return pl.any_horizontal(pl.col(c) > 0 for c in columns)


def _kind_sessions(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> tuple[int, int]:
    """How many sessions convert some macro goal, and how many some micro goal."""
    cells = _kinds(goal_cells(conversions, [goal_column(i) for i in range(len(goals))]), goals)
    found = dict(cells.group_by("macro").agg(pl.col("row").n_unique()).iter_rows())
    return int(found.get(True, 0)), int(found.get(False, 0))


def _kinds(cells: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame:
    """``cells`` of goal columns plus ``macro``: whether the cell's goal is a macro goal."""
    macro = pl.Series([goal.kind == "macro" for goal in goals], dtype=pl.Boolean)
    return cells.with_columns(macro.gather(cells["goal"]).alias("macro"))


@paused()
def goals_table(
    conversions: pl.DataFrame, goals: tuple[Goal, ...], cells: pl.DataFrame | None = None
) -> tuple[GoalRow, ...]:
    """One row per goal, in goals-file order, with what its conversions are worth (from
    ``revenue_cells``).

    The figures of all goals come from one group_by over the cells above 0 of the goal
    columns; rates and Wilson intervals are computed once per distinct count and joined back.
    """
    if not goals:
        return ()
    sessions = conversions.height
    visitors = int(conversions["visitor_id"].n_unique()) if sessions else 0
    columns = [goal_column(i) for i in range(len(goals))]
    figures = pl.DataFrame(
        {
            "name": [goal.name for goal in goals],
            "kind": [goal.kind for goal in goals],
            "category": pl.Series([goal.category for goal in goals], dtype=pl.String),
            "type": [goal.type for goal in goals],
            "count": [goal.count for goal in goals],
        }
    ).hstack(_goal_figures(conversions, columns))
    table = figures.with_columns(
        *_rate_columns(figures["converting_sessions"], sessions, "conversion_rate"),
        *_rate_columns(figures["visitors"], visitors, "visitor_conversion_rate"),
    )
    counted = GOAL_FIELDS[: GOAL_FIELDS.index("value")]
    # A fixed value's revenue (value × conversions, no currency) is added up from each
    # session's, as the summary and segments add it: one sum, the same to the last digit.
    by_goal = _goal_revenues(_cells(conversions, goals, cells), goals)
    rows = []
    for index, row in enumerate(table.select(counted).iter_rows(named=True)):
        kept = by_goal.get(index, ()) if goals[index].has_value else None
        revenue, currency = single_currency(kept)
        rows.append(
            GoalRow(
                **row,
                value=revenue,
                revenue=revenue,
                revenue_per_session=rate(revenue, sessions) if revenue is not None else None,
                revenue_per_visitor=rate(revenue, visitors) if revenue is not None else None,
                currency=currency,
                revenue_by_currency=kept,
            )
        )
    return tuple(rows)


def _goal_revenues(
    cells: pl.DataFrame, goals: tuple[Goal, ...]
) -> dict[int, tuple[CurrencyRevenue, ...]]:
    """Per goal with a value (by position), its revenue by currency: one group_by."""
    data = cells.filter(
        pl.col("goal").is_in(
            pl.Series([i for i, g in enumerate(goals) if g.has_value], dtype=pl.UInt32).implode()
        )
    )
    summed = (
        data.group_by("goal", "currency")
        .agg(summed_revenue())
        .sort("goal", "currency", nulls_last=True)
    )
    found: dict[int, list[CurrencyRevenue]] = {}
    for goal, currency, revenue in summed.select("goal", "currency", "revenue").iter_rows():
        found.setdefault(int(goal), []).append(CurrencyRevenue(currency, money_sum(revenue)))
    return {goal: tuple(parts) for goal, parts in found.items()}


def _goal_figures(conversions: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """Per goal column, in order: ``conversions`` (its sum), ``converting_sessions`` (sessions
    above 0) and ``visitors`` (visitors with such a session), as Int64: one group_by over the
    cells above 0."""
    cells = goal_cells(conversions, columns)
    visitor = conversions["visitor_id"].gather(cells["row"])
    figures = (
        cells.with_columns(visitor.alias("visitor_id"))
        .group_by("goal")
        .agg(
            pl.col("value").cast(pl.Int64).sum().alias("conversions"),
            pl.len().cast(pl.Int64).alias("converting_sessions"),
            pl.col("visitor_id").n_unique().cast(pl.Int64).alias("visitors"),
        )
    )
    return _every_goal(figures, len(columns))


def _every_goal(figures: pl.DataFrame, goals: int) -> pl.DataFrame:
    """``figures`` (one row per ``goal`` that has any) for goals 0 … goals-1 in order, without
    the ``goal`` column; 0 for a goal without a row."""
    every = pl.DataFrame({"goal": pl.int_range(goals, dtype=pl.UInt32, eager=True)})
    joined = every.join(figures, on="goal", how="left", maintain_order="left")
    return joined.drop("goal").fill_null(0)


def _rate_columns(successes: pl.Series, trials: int, name: str) -> list[pl.Series]:
    """``name``, ``{name}_ci_low`` and ``{name}_ci_high``: ``rate`` and ``wilson_interval`` of
    each count of ``successes`` out of ``trials`` (no interval without trials). Computed in
    Python once per distinct count and joined back, so each figure is exactly the one the
    functions give (Polars divides by a constant as a product with its reciprocal)."""
    low, high = f"{name}_ci_low", f"{name}_ci_high"

    def figures(x: int) -> dict[str, float | None]:
        count = int(x)
        interval = wilson_interval(count, trials)
        return {
            name: rate(count, trials),
            low: interval[0] if interval else None,
            high: interval[1] if interval else None,
        }

    dtype = pl.Struct({name: pl.Float64, low: pl.Float64, high: pl.Float64})
    return per_distinct(successes, figures, dtype).struct.unnest().get_columns()


# Groups smaller than this are flagged in the micro → macro table, not hidden.
SMALL_SAMPLE_VISITORS = 30


@paused()
def visitor_goals(conversions: pl.DataFrame, goals: tuple[Goal, ...]) -> pl.DataFrame:
    """One row per visitor: ``macro`` and ``micro`` (any goal of that kind in any session) and
    one boolean column per micro goal (``goal_0``, …).

    Built from the cells above 0 of the goal columns (which visitor reached which goal), spread
    back into columns in one scatter; visitors in ``visitor_id`` order."""
    visitors = conversions.select(pl.col("visitor_id").unique().sort()).with_row_index("row")
    cells = _kinds(goal_cells(conversions, [goal_column(i) for i in range(len(goals))]), goals)
    visitor = conversions["visitor_id"].gather(cells["row"])
    reached = (
        cells.select(visitor.alias("visitor_id"), "goal", "macro")
        .unique()
        .join(visitors, on="visitor_id")  # row: the visitor's
    )
    kinds = reached.group_by("visitor_id").agg(
        pl.col("macro").any().alias("macro"), (~pl.col("macro")).any().alias("micro")
    )
    flags = visitors.join(kinds, on="visitor_id", how="left", maintain_order="left").select(
        "visitor_id", pl.col("macro", "micro").fill_null(False)
    )
    micro = [i for i, goal in enumerate(goals) if goal.kind == "micro"]
    place = dict(zip(micro, range(len(micro)), strict=True))
    column = pl.Series([place.get(i) for i in range(len(goals))], dtype=pl.UInt32)
    micro_reached = reached.filter(~pl.col("macro"))
    micro_cells = micro_reached.select(
        "row", column.gather(micro_reached["goal"]).alias("goal"), pl.lit(True).alias("value")
    )
    names = [goal_column(i) for i in micro]
    return flags.hstack(goal_block(micro_cells, visitors.height, names))


def _rate_of_group(numerator: int, group: int) -> float | None:
    """``numerator / group``, or None for an empty group: the rate of no visitor is unknown, as
    in the micro → macro table."""
    return numerator / group if group else None


def engagement_ladder(visitors: pl.DataFrame, goals: tuple[Goal, ...]) -> LadderRow:
    """Customers (any macro goal), potential customers (micro goals only), no value yet; and the
    macro rate of visitors with and without a micro goal (definitions §2.6), null without a
    macro goal to reach."""
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
    ).row(0, named=True)
    count = {name: int(value or 0) for name, value in counts.items()}
    steps = {name: LadderStep(count[name], rate(count[name], total)) for name in LADDER_STEPS}
    if not has_kind(goals, "macro"):
        return LadderRow(**steps, macro_rate_with_micro=None, macro_rate_without_micro=None)
    return LadderRow(
        **steps,
        macro_rate_with_micro=_rate_of_group(count["micro_and_macro"], count["micro"]),
        macro_rate_without_micro=_rate_of_group(count["macro_only"], total - count["micro"]),
    )


@paused()
def micro_macro_table(visitors: pl.DataFrame, goals: tuple[Goal, ...]) -> tuple[MicroMacroRow, ...]:
    """For each micro goal: the macro rate of visitors who completed it and of those who did not,
    their difference, lift (ratio), 95% interval of the difference and a two-proportion p-value;
    by difference, largest first (a goal nobody or everybody completed, without one, last);
    none without a macro goal.

    The visitor counts of all micro goals come from one group_by over the cells of their
    columns; the figures depend on those counts only, so they are computed once per distinct
    pair of counts."""
    micro = [(i, goal) for i, goal in enumerate(goals) if goal.kind == "micro"]
    if not micro or all(goal.kind != "macro" for goal in goals):
        return ()  # without a macro goal there is no macro rate to predict
    total = visitors.height
    all_macro = int(visitors["macro"].sum() or 0) if total else 0
    columns = [goal_column(i) for i, _ in micro]
    cells = goal_cells(visitors, columns)
    counts = (
        cells.with_columns(visitors["macro"].gather(cells["row"]).alias("macro"))
        .group_by("goal")
        .agg(pl.len().alias("with"), pl.col("macro").sum().alias("macro_with"))
    )
    with_goal, macro_with = _every_goal(counts, len(micro)).cast(pl.Int64).get_columns()
    figures: dict[tuple[int, int], MicroMacroRow] = {}
    rows: list[MicroMacroRow] = []
    for (_, goal), n1, x1 in zip(micro, with_goal.to_list(), macro_with.to_list(), strict=True):
        if (n1, x1) not in figures:
            figures[n1, x1] = _micro_macro_figures(n1, x1, total, all_macro)
        rows.append(replace(figures[n1, x1], goal=goal.name))
    rows.sort(key=lambda row: (row.difference is None, -(row.difference or 0.0)))
    return tuple(rows)


def _micro_macro_figures(n1: int, x1: int, total: int, all_macro: int) -> MicroMacroRow:
    """The row of a micro goal completed by ``n1`` of ``total`` visitors, ``x1`` of whom
    reached a macro goal (``all_macro`` in all); its ``goal`` is left for the caller."""
    n2, x2 = total - n1, all_macro - x1
    rate_with = x1 / n1 if n1 else None
    rate_without = x2 / n2 if n2 else None
    interval = difference_interval(x1, n1, x2, n2)
    lift = rate_with / rate_without if rate_with is not None and rate_without else None
    return MicroMacroRow(
        goal="",
        visitors_with=n1,
        macro_visitors_with=x1,
        macro_rate_with=rate_with,
        visitors_without=n2,
        macro_visitors_without=x2,
        macro_rate_without=rate_without,
        difference=(
            rate_with - rate_without if rate_with is not None and rate_without is not None else None
        ),
        lift=lift,
        diff_ci_low=interval[0] if interval else None,
        diff_ci_high=interval[1] if interval else None,
        p_value=two_proportion_p_value(x1, n1, x2, n2),
        small_sample=min(n1, n2) < SMALL_SAMPLE_VISITORS,
    )


def engaged(goals: tuple[Goal, ...]) -> pl.Expr:
    """Per session (of the conversions table): GA4's engaged session (definitions §2.3), the
    session table's ``engaged`` or a macro goal converted (GA4's key event)."""
    return pl.col("engaged") | converted_kind(goals, "macro")

"""The report as named tables of typed columns: what CSV and TSV write, and what the page for
people (``page``) is made of."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from micromacro.comparison import NO_CHANGE, goal_dict
from micromacro.render.alerts import alert_cells
from micromacro.render.values import ColumnKind, format_value, p_equals
from micromacro.report import Report
from micromacro.rows import (
    CHANNEL_FIELDS,
    EXIT_PAGE_FIELDS,
    GOAL_FIELDS,
    LANDING_PAGE_FIELDS,
    MICRO_MACRO_FIELDS,
    PAGE_FIELDS,
    REFERRER_FIELDS,
    STATUS_FIELDS,
    TRAFFIC_TABLES,
    VARIANT_REVENUE_FIELDS,
    Experiment,
    FunnelResult,
)
from micromacro.text import inert

__all__ = [
    "KEEP",
    "Column",
    "ColumnKind",
    "Table",
    "format_value",
    "report_table",
]


# How soon a column is hidden when its table is wider than the terminal (``--wide`` shows
# them all): the lowest ``priority`` first, columns of equal priority together (a pair such as
# an interval's low and high). A ``KEEP`` column is never hidden; a table whose ``KEEP``
# columns alone do not fit is drawn one block per row. Every renderer for people may use it
# (JSON and CSV always hold every column).
KEEP = 10
# The figures whose fall is the good news: a change of one is coloured by that, not its sign.
LOWER_IS_BETTER = frozenset({"bounce_rate"})


def good_news(figure: str, change: float) -> bool:
    """Whether a ``change`` (not 0) of ``figure`` is good news: a rise, or for a figure of
    ``LOWER_IS_BETTER`` a fall."""
    return (change > 0) != (figure in LOWER_IS_BETTER)


@dataclass(frozen=True)
class Column:
    """A column: ``key`` (the snake_case CSV/JSON name), ``header`` for people, value ``kind``,
    and its ``priority`` on a narrow screen (lower is hidden first; ``KEEP``: never)."""

    key: str
    header: str
    kind: ColumnKind = "text"
    priority: int = KEEP

    @property
    def is_text(self) -> bool:
        """Whether the column holds words (left-aligned), not figures."""
        return self.kind in ("text", "status")


@dataclass(frozen=True)
class Table:
    """A titled table; ``rows`` map column keys to raw values (None for missing)."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, object]]


# The summary is drawn as lines of figures: no figure is ever hidden (with ``--compare`` the
# figures before go first, then the changes).
_SUMMARY_COLUMNS = (
    Column("visitors", "Visitors", "int"),
    Column("sessions", "Sessions", "int"),
    Column("pageviews", "Pageviews", "int"),
    Column("events", "Events", "int"),
    Column("bounce_rate", "Bounce rate", "rate"),
    Column("avg_session_duration_s", "Avg. session duration", "seconds"),
    Column("pages_per_session", "Pages per session", "float"),
    Column("macro_sessions", "Sessions with a macro goal", "int"),
    Column("macro_conversion_rate", "Macro conversion rate", "rate"),
    Column("micro_sessions", "Sessions with a micro goal", "int"),
    Column("micro_conversion_rate", "Micro conversion rate", "rate"),
    Column("engaged_sessions", "Engaged sessions", "int"),
    Column("engagement_rate", "Engagement rate", "rate"),
    Column("macro_revenue", "Macro revenue", "money"),
    Column("macro_revenue_per_session", "Macro revenue per session", "money"),
    Column("currency", "Currency"),
)
# The summary's revenue columns, which people see only when a macro goal has a value.
SUMMARY_REVENUE = ("macro_revenue", "macro_revenue_per_session", "currency")

# Goals on a narrow screen: the type goes first, then the category, the visitor figures, the
# converting sessions, the value and revenue, the conversions and the kind; the goal and its
# conversion rate stay (with ``--compare``, its change too).
_GOAL_HEADERS: dict[str, tuple[str, ColumnKind, int]] = {
    "name": ("Goal", "text", KEEP),
    "kind": ("Kind", "text", 8),
    "category": ("Category", "text", 2),
    "type": ("Type", "text", 1),
    "count": ("Count", "text", 1),
    "conversions": ("Conversions", "int", 7),
    "converting_sessions": ("Sessions", "int", 5),
    "conversion_rate": ("Conv. rate", "rate", KEEP),
    "conversion_rate_ci_low": ("Rate CI low", "rate", 1),
    "conversion_rate_ci_high": ("Rate CI high", "rate", 1),
    "visitors": ("Visitors", "int", 3),
    "visitor_conversion_rate": ("Visitor rate", "rate", 4),
    "visitor_conversion_rate_ci_low": ("Visitor CI low", "rate", 1),
    "visitor_conversion_rate_ci_high": ("Visitor CI high", "rate", 1),
    "value": ("Value", "money", 6),
    "revenue": ("Revenue", "money", 6),
    "revenue_per_session": ("Revenue / session", "money", 2),
    "revenue_per_visitor": ("Revenue / visitor", "money", 2),
    "currency": ("Currency", "text", 1),
}
# Every goal field but the revenue by currency (JSON only) is a CSV column.
GOAL_TABLE_COLUMNS = tuple(
    Column(key, *_GOAL_HEADERS[key]) for key in GOAL_FIELDS if key in _GOAL_HEADERS
)
# People read the goals table without the interval columns (JSON and CSV carry them), and
# with the value, revenue per session and visitor and the currency only when some goal has a
# value.
GOAL_DISPLAY_KEYS = (
    "name", "kind", "category", "type", "conversions", "converting_sessions", "conversion_rate",
    "visitors", "visitor_conversion_rate",
)  # fmt: skip
GOAL_REVENUE_KEYS = ("value", "revenue_per_session", "revenue_per_visitor", "currency")


def input_table(report: Report) -> Table:
    """Lines per bucket, in bucket order, with their share of all lines."""
    lines = report.input.lines
    rows: list[dict[str, object]] = [
        {"bucket": bucket, "lines": count, "share": count / lines if lines else 0.0}
        for bucket, count in report.input.bucket_counts().items()
    ]
    files = report.input.files
    title = (
        f"Input: {lines:,} line{'s' if lines != 1 else ''} in {files} file"
        f"{'s' if files != 1 else ''} "
        f"({report.input.format} format)"
    )
    columns = (Column("bucket", "Bucket"), Column("lines", "Lines", "int"),
               Column("share", "Share", "rate"))  # fmt: skip
    return Table("input", title, columns, rows)


def summary_table(report: Report) -> Table:
    """The site summary as one row; with ``--compare`` each figure is followed by its
    ``previous_…`` and ``change_…`` columns (and ``change_p_value_…`` for rates)."""
    changes = report.comparison
    if changes is None:
        return Table("summary", "Summary", _SUMMARY_COLUMNS, [report.summary.as_dict()])
    row = {**report.summary.as_dict(), **changes.summary.as_dict()}
    columns: list[Column] = []
    for column in _SUMMARY_COLUMNS:
        if column.is_text:  # the currency: no change
            columns.append(column)
            continue
        columns += [
            column,
            Column(f"previous_{column.key}", f"{column.header} before", column.kind, 1),
            Column(f"change_{column.key}", f"{column.header} change", _change_kind(column), 2),
        ]
        if f"change_p_value_{column.key}" in row:
            columns.append(
                Column(f"change_p_value_{column.key}", f"{column.header} change p", "pvalue", 1)
            )
    return Table("summary", "Summary", tuple(columns), [row])


def _change_kind(column: Column) -> ColumnKind:
    """Rates change in percentage points (``change``), durations in signed time, money in
    signed amounts, other figures as signed numbers."""
    kinds: dict[ColumnKind, ColumnKind] = {
        "rate": "change", "seconds": "delta_seconds", "money": "delta_money",
    }  # fmt: skip
    return kinds.get(column.kind, "delta")


def _comparison_columns(count: Column, rate: Column) -> tuple[Column, ...]:
    """The ``--compare`` columns of a row: a count and a rate in the comparison period, then
    the change of the rate and its p-value. On a narrow screen the change stays; the count
    before goes first, then the p-value, then the rate before."""
    return (
        replace(count, priority=2),
        replace(rate, priority=4),
        Column("change", "Change", "change"),
        Column("change_p_value", "Change p-value", "pvalue", 3),
    )


def _compared(
    report: Report, columns: tuple[Column, ...], extra: tuple[Column, ...]
) -> tuple[Column, ...]:
    """``columns``, followed by the comparison ``extra`` columns with ``--compare``."""
    return columns if report.comparison is None else (*columns, *extra)


COMPARISON_COLUMNS = _comparison_columns(
    Column("previous_conversions", "Conversions before", "int"),
    Column("previous_conversion_rate", "Before", "rate"),
)


def trend_table(report: Report) -> Table:
    """Sessions, visitors and the macro and micro conversion rates per day (per hour for two
    days or less)."""
    unit = report.trend.unit
    columns = (Column("start", unit.capitalize()), Column("sessions", "Sessions", "int"),
               Column("visitors", "Visitors", "int", 1),
               Column("macro_sessions", "Sessions with a macro goal", "int", 2),
               Column("macro_conversion_rate", "Macro conversion rate", "rate"),
               Column("micro_sessions", "Sessions with a micro goal", "int", 1),
               Column("micro_conversion_rate", "Micro conversion rate", "rate", 3))  # fmt: skip
    rows = [row.as_dict() for row in report.trend.rows]
    return Table("trend", f"Trend: sessions and conversion rates per {unit}", columns, rows)


def goals_table(report: Report) -> Table:
    """One row per goal with every goal column; with ``--compare`` also the comparison
    period's conversions and rate, the change and its p-value."""
    changes = report.comparison
    rows = [
        {**goal.as_dict(), **(changes.goals[i].as_dict() if changes else {})}
        for i, goal in enumerate(report.goals)
    ]
    return Table("goals", "Goals", _compared(report, GOAL_TABLE_COLUMNS, COMPARISON_COLUMNS), rows)


# A funnel's steps on a narrow screen: the median time goes first, then the conversion from
# the previous step (the drop-off says it too), the dropped units, the entrances and the
# drop-off; the step, its name, the units that reached it and the conversion from the start
# stay.
FUNNEL_STEP_COLUMNS: tuple[Column, ...] = (
    Column("step", "Step", "int"),
    Column("step_name", "Name"),
    Column("reached", "Reached", "int"),
    Column("entrances", "Entrances", "int", 4),
    Column("dropped", "Dropped", "int", 3),
    Column("drop_off_rate", "Drop-off", "rate", 5),
    Column("conversion_from_start", "From start", "rate"),
    Column("conversion_from_previous", "From previous", "rate", 2),
    Column("median_time_from_previous_s", "Median time from previous", "seconds", 1),
)
FUNNEL_COLUMNS: tuple[Column, ...] = (Column("funnel", "Funnel"), *FUNNEL_STEP_COLUMNS)
_UNIT_NOUNS = {"session": ("session", "sessions"), "visitor": ("visitor", "visitors")}


def _funnel_rows(report: Report, index: int) -> list[dict[str, object]]:
    """The steps of funnel ``index`` as rows naming their funnel, with their comparison."""
    funnel = report.funnels[index]
    changes = report.comparison.funnels[index] if report.comparison else None
    return [
        {
            "funnel": funnel.name,
            **step.as_dict(),
            "step_name": step.name,
            **(changes[i].as_dict() if changes else {}),
        }
        for i, step in enumerate(funnel.steps)
    ]


FUNNEL_COMPARISON_COLUMNS = _comparison_columns(
    Column("previous_reached", "Reached before", "int"),
    Column("previous_conversion_from_start", "From start before", "rate"),
)


def funnels_table(report: Report) -> Table:
    """Every funnel's drop-off rows in one table, each row naming its funnel; with
    ``--compare`` also each step's comparison figures."""
    rows = [row for index in range(len(report.funnels)) for row in _funnel_rows(report, index)]
    columns = _compared(report, FUNNEL_COLUMNS, FUNNEL_COMPARISON_COLUMNS)
    return Table("funnels", "Funnels", columns, rows)


# A name in a section title is cut to this many characters, so that what the title says after
# it (a funnel's overall figures, the breakdown of its segments) always shows.
TITLE_NAME_CHARS = 100


def quoted_name(name: str) -> str:
    """``name`` in quotes as a title shows it (``inert``), cut to ``TITLE_NAME_CHARS``.

    >>> quoted_name("checkout"), quoted_name("x" * 120)[-4:]
    ("'checkout'", "xx…'")
    """
    return f"'{inert(name, limit=TITLE_NAME_CHARS)}'"


def funnel_title(funnel: FunnelResult) -> str:
    """One line saying what a funnel counts and how it did overall, e.g. ``Funnel 'checkout'
    (sessions, closed, ordered): 10 entered, 2 completed (20.0%), 30 of 40 sessions never
    entered``."""
    singular, plural = _UNIT_NOUNS[funnel.scope]
    units = funnel.units
    return (
        f"Funnel {quoted_name(funnel.name)} ({plural}, {funnel.entry}, {funnel.order}): "
        f"{format_value(funnel.entered, 'int')} entered, "
        f"{format_value(funnel.completed, 'int')} completed "
        f"({format_value(funnel.conversion_rate, 'rate')}), "
        f"{format_value(funnel.never_entered, 'int')} of {format_value(units, 'int')} "
        f"{singular if units == 1 else plural} never entered"
    )


def funnel_tables(report: Report) -> list[Table]:
    """One table per funnel (for people), titled with its overall figures; ``Entrances`` only
    for open funnels, where units may enter after step 1."""
    tables = []
    for index, funnel in enumerate(report.funnels):
        columns = tuple(
            c for c in FUNNEL_STEP_COLUMNS if c.key != "entrances" or funnel.entry == "open"
        )
        columns = _compared(report, columns, FUNNEL_COMPARISON_COLUMNS[1:3])
        tables.append(Table("funnel", funnel_title(funnel), columns, _funnel_rows(report, index)))
    return tables


def ladder_table(report: Report) -> Table:
    """The engagement ladder: visitors and share per step."""
    rows = [{"step": name, **step.as_dict()} for name, step in report.ladder.steps]
    with_micro = report.ladder.macro_rate_with_micro
    without = report.ladder.macro_rate_without_micro
    title = (
        "Engagement ladder (visitors): macro rate "
        f"{format_value(with_micro, 'rate')} with a micro goal, "
        f"{format_value(without, 'rate')} without"
    )
    columns = (
        Column("step", "Step"),
        Column("visitors", "Visitors", "int"),
        Column("share", "Share", "rate"),
    )
    return Table("ladder", title, columns, rows)


# Micro → macro on a narrow screen: the interval of the difference goes first, then the
# visitor counts without the goal, those with it, and the lift; the goal, both macro rates,
# their difference, its p-value and the small-sample flag stay.
_MICRO_MACRO_HEADERS: dict[str, tuple[str, ColumnKind, int]] = {
    "goal": ("Micro goal", "text", KEEP),
    "visitors_with": ("Visitors with", "int", 3),
    "macro_visitors_with": ("Macro with", "int", 3),
    "macro_rate_with": ("Macro rate with", "rate", KEEP),
    "visitors_without": ("Visitors without", "int", 2),
    "macro_visitors_without": ("Macro without", "int", 2),
    "macro_rate_without": ("Macro rate without", "rate", KEEP),
    "difference": ("Difference", "change", KEEP),
    "lift": ("Lift", "float", 4),
    "diff_ci_low": ("Diff. CI low", "rate", 1),
    "diff_ci_high": ("Diff. CI high", "rate", 1),
    "p_value": ("p-value", "pvalue", KEEP),
    "small_sample": ("Small sample", "flag", KEEP),
}


def micro_macro_table(report: Report) -> Table:
    """Which micro goals predict macro ones: one row per micro goal, by lift."""
    columns = tuple(Column(key, *_MICRO_MACRO_HEADERS[key]) for key in MICRO_MACRO_FIELDS)
    rows = [row.as_dict() for row in report.micro_macro]
    return Table("micro_macro", "Micro → macro (visitors)", columns, rows)


SEGMENT_TABLE_COLUMNS: tuple[Column, ...] = (
    Column("by", "By"),
    Column("segment", "Segment"),
    Column("goal", "Goal"),
    Column("sessions", "Sessions", "int"),
    Column("visitors", "Visitors", "int"),
    Column("macro_conversions", "Macro conversions", "int"),
    Column("macro_conversion_rate", "Macro rate", "rate"),
    Column("micro_conversions", "Micro conversions", "int"),
    Column("micro_conversion_rate", "Micro rate", "rate"),
    Column("conversions", "Conversions", "int", 3),
    Column("conversion_rate", "Conv. rate", "rate"),
    Column("ci_low", "CI low", "rate", 1),
    Column("ci_high", "CI high", "rate", 1),
    Column("p_value", "p-value", "pvalue", 4),
    Column("q_value", "q-value", "pvalue", 2),
    Column("small_sample", "Small sample", "flag"),
    Column("macro_revenue", "Macro revenue", "money"),
    Column("macro_revenue_per_session", "Macro revenue per session", "money"),
    Column("currency", "Currency"),
)


def funnel_segment_tables(report: Report) -> list[Table]:
    """Per funnel and ``--by``: each segment's units, entered units, reached per step and
    conversion rate (none without ``--by``). On a narrow screen the steps go: the first
    (it is the entered units, in a closed funnel), then the middle ones, the later first, and
    the last step (the completions) last of them."""
    tables: list[Table] = []
    for funnel in report.funnels:
        if funnel.segments is None:
            continue
        columns = (
            Column("segment", "Segment"),
            Column("entered", "Entered", "int"),
            *(
                Column(f"step:{i}", step.name, "int", _step_priority(i, len(funnel.steps)))
                for i, step in enumerate(funnel.steps)
            ),
            Column("conversion_rate", "Conv. rate", "rate"),
        )
        tables += _per_breakdown(
            "funnel_segments",
            f"Funnel {quoted_name(funnel.name)}",
            columns,
            [{**row.as_dict(), **_numbered("step", row.reached)} for row in funnel.segments],
        )
    return tables


def _step_priority(index: int, steps: int) -> int:
    """The priority of step ``index`` of ``steps`` in a funnel's segment table: the first step
    lowest, then the middle ones from the last, the last step highest (still below ``KEEP``).

    >>> [_step_priority(i, 4) for i in range(4)]
    [-4, -1, -2, 1]
    """
    if index == steps - 1:
        return 1
    return -steps if index == 0 else -index


def _numbered(prefix: str, values: Sequence[object]) -> dict[str, object]:
    """A sequence as columns ``prefix:0``, ``prefix:1``, …"""
    return {f"{prefix}:{i}": value for i, value in enumerate(values)}


def _per_breakdown(
    name: str, subject: str, columns: tuple[Column, ...], rows: list[dict[str, object]]
) -> list[Table]:
    """``rows`` split into one table per ``by``, in order of appearance, titled
    ``<subject> by <by>``."""
    tables: dict[str, Table] = {}
    for row in rows:
        by = str(row["by"])
        if by not in tables:
            tables[by] = Table(name, f"{subject} by {by}", columns, [])
        tables[by].rows.append(row)
    return list(tables.values())


SEGMENT_COMPARISON_COLUMNS = _comparison_columns(
    Column("previous_sessions", "Sessions before", "int"),
    Column("previous_conversion_rate", "Conv. rate before", "rate"),
)


# A segment's own figures, on each of its goals' rows.
_SEGMENT_FIGURES = (
    "sessions",
    "visitors",
    "macro_conversions",
    "macro_conversion_rate",
    "micro_conversions",
    "micro_conversion_rate",
)


def segments_table(report: Report) -> Table:
    """Every segment and goal as one long table (CSV/TSV ``--table segments``), a segment
    without goals (no goals file, or one without goals) on one row of its own figures; with
    ``--compare`` also the segment's sessions and the goal's rate in the comparison period."""
    columns = _compared(report, SEGMENT_TABLE_COLUMNS, SEGMENT_COMPARISON_COLUMNS)
    changes = report.comparison.segments if report.comparison else None
    rows: list[dict[str, object]] = []
    for index, row in enumerate(report.segments):
        change = changes[index] if changes else None
        for position, goal in enumerate(row.goals or [None]):
            goal_change = change.goals[position] if change and goal is not None else NO_CHANGE
            rows.append(
                {
                    "by": row.by,
                    "segment": row.segment,
                    **{name: getattr(row, name) for name in _SEGMENT_FIGURES},
                    "small_sample": row.small_sample,
                    "macro_revenue": row.macro_revenue,
                    "macro_revenue_per_session": row.macro_revenue_per_session,
                    "currency": row.currency,
                    "previous_sessions": change.previous_sessions if change else None,
                    **(goal.as_dict() if goal is not None else {}),
                    **goal_dict(goal_change),
                }
            )
    return Table("segments", "Segments", columns, rows)


def segment_tables(report: Report) -> list[Table]:
    """One table per ``--by`` for people: sessions, visitors, macro and micro rates and each
    goal's rate per segment. On a narrow screen the goals' rates go first (the last goal
    first: priorities 0, -1, -2, …), then the visitors, the micro rate and the macro rate
    before; the segment, its sessions, its macro rate (and its change) and the small-sample
    flag stay."""
    goal_names = [goal.name for goal in report.goals]
    valued = any(row.macro_revenue_by_currency is not None for row in report.segments)
    priced = any(row.currency is not None for row in report.segments)
    columns = (
        Column("segment", "Segment"),
        Column("sessions", "Sessions", "int"),
        Column("visitors", "Visitors", "int", 2),
        Column("macro_conversion_rate", "Macro rate", "rate"),
        Column("micro_conversion_rate", "Micro rate", "rate", 3),
        *(
            (
                Column("macro_revenue", "Macro revenue", "money", 2),
                Column("macro_revenue_per_session", "Revenue / session", "money", 1),
            )
            if valued
            else ()
        ),
        *((Column("currency", "Currency", "text", 1),) if priced else ()),
        *(Column(f"goal:{i}", name, "rate", -i) for i, name in enumerate(goal_names)),
        Column("small_sample", "Small sample", "flag"),
    )
    columns = _compared(
        report,
        columns,
        (
            Column("previous_macro_conversion_rate", "Macro rate before", "rate", 4),
            Column("change", "Macro change", "change"),
        ),
    )
    changes = report.comparison.segments if report.comparison else None
    rows = [
        {
            **row.as_dict(),
            **(changes[index].as_dict() if changes else {}),
            **_numbered("goal", [goal.conversion_rate for goal in row.goals]),
        }
        for index, row in enumerate(report.segments)
    ]
    return _per_breakdown("segment", "Segments", columns, rows)


# The experiment on a narrow screen: the interval of the difference goes first, then the lift,
# the variant's sessions and the conversions; the variant, the goal, the rate, the difference
# and its p-value stay.
EXPERIMENT_COLUMNS: tuple[Column, ...] = (
    Column("variant", "Variant"),
    Column("sessions", "Sessions", "int", 3),
    Column("goal", "Goal"),
    Column("conversions", "Conversions", "int", 4),
    Column("conversion_rate", "Conv. rate", "rate"),
    Column("difference", "Difference", "rate"),
    Column("lift", "Lift", "rate", 2),
    Column("diff_ci_low", "Diff. CI low", "rate", 1),
    Column("diff_ci_high", "Diff. CI high", "rate", 1),
    Column("p_value", "p-value", "pvalue"),
)
# Revenue in the experiment on a narrow screen: the interval goes first, then the macro revenue
# and the currency; the revenue per session, its difference and p-value stay.
_REVENUE_HEADERS: dict[str, tuple[str, ColumnKind, int]] = {
    "macro_revenue": ("Macro revenue", "money", 2),
    "macro_revenue_per_session": ("Revenue / session", "money", KEEP),
    "currency": ("Currency", "text", 3),
    "revenue_difference": ("Difference", "money", KEEP),
    "revenue_diff_ci_low": ("Diff. CI low", "money", 1),
    "revenue_diff_ci_high": ("Diff. CI high", "money", 1),
    "revenue_p_value": ("p-value", "pvalue", KEEP),
}
EXPERIMENT_REVENUE_COLUMNS = tuple(
    Column(key, *_REVENUE_HEADERS[key]) for key in VARIANT_REVENUE_FIELDS
)


def experiment_table(report: Report) -> Table:
    """Every variant and goal against the baseline, each row with its variant's macro revenue
    per session against the baseline's (empty without ``--baseline``)."""
    columns = (*EXPERIMENT_COLUMNS, *EXPERIMENT_REVENUE_COLUMNS)
    result = report.experiment
    if result is None:
        return Table("experiment", "Experiment", columns, [])
    rows = [
        {
            "variant": variant.variant,
            "sessions": variant.sessions,
            **goal.as_dict(),
            **variant.revenue.as_dict(),
        }
        for variant in result.variants
        for goal in variant.goals
    ]
    check = result.sample_ratio
    verdict = "MISMATCH" if check.mismatch else "ok"
    title = (
        f"Experiment: --by {result.by} against {quoted_name(result.baseline)} "
        f"(sample ratio {verdict}, {p_equals(check.p_value)})"
    )
    return Table("experiment", title, columns, rows)


def experiment_revenue_table(report: Report) -> Table | None:
    """For people: each variant's macro revenue per session against the baseline's, with
    Welch's interval and p-value; None without ``--baseline`` or a macro goal with a value."""
    result = report.experiment
    if result is None or not any(r.macro_revenue_by_currency is not None for r in report.segments):
        return None
    columns = (
        Column("variant", "Variant"),
        Column("sessions", "Sessions", "int", 2),
        *(c for c in EXPERIMENT_REVENUE_COLUMNS if c.key != "currency" or _priced(result)),
    )
    rows = [
        {"variant": v.variant, "sessions": v.sessions, **v.revenue.as_dict()}
        for v in result.variants
    ]
    title = (
        f"Experiment: macro revenue per session against {quoted_name(result.baseline)} "
        "(Welch's t-test, 95% interval)"
    )
    return Table("experiment_revenue", title, columns, rows)


def _priced(result: Experiment) -> bool:
    return any(variant.revenue.currency is not None for variant in result.variants)


# Alerts on a narrow screen: the p-value goes first, then the metric (the alert's name says
# what it watches), the value before, the change and the rule; the alert, its status, its value
# and the note stay.
ALERT_COLUMNS: tuple[Column, ...] = (
    Column("name", "Alert"),
    Column("metric", "Metric", priority=2),
    Column("condition", "Condition", priority=5),
    Column("threshold", "Threshold", "float", 5),
    Column("threshold_unit", "Threshold unit", priority=5),
    Column("status", "Status"),
    Column("value", "Value", "float"),
    Column("previous", "Previous", "float", 3),
    Column("change", "Change", "float", 4),
    Column("p_value", "p-value", "pvalue", 1),
    Column("reason", "Not evaluated because"),
)
ALERT_DISPLAY_COLUMNS: tuple[Column, ...] = (
    Column("name", "Alert"),
    Column("status", "Status", "status"),
    Column("metric", "Metric", priority=2),
    Column("rule", "Rule", priority=5),
    Column("value", "Value"),
    Column("previous", "Previous", priority=3),
    Column("change", "Change", priority=4),
    Column("p_value", "p-value", "pvalue", 1),
    Column("reason", "Note"),
)


def alerts_table(report: Report) -> Table:
    """Every alert rule checked and what it found, with raw figures (empty without
    ``--alerts``)."""
    rows = [outcome.as_dict() for outcome in report.alerts or ()]
    return Table("alerts", "Alerts", ALERT_COLUMNS, rows)


def alert_display_table(report: Report) -> Table:
    """The alerts as people read them: figures in the metric's units, fired rules first."""
    order = {"fired": 0, "not_evaluated": 1, "ok": 2}
    outcomes = sorted(report.alerts or (), key=lambda outcome: order[outcome.status])
    rows = [{**outcome.as_dict(), **alert_cells(outcome)} for outcome in outcomes]
    fired = sum(outcome.status == "fired" for outcome in outcomes)
    title = f"Alerts: {fired} of {len(outcomes)} fired"
    return Table("alerts", title, ALERT_DISPLAY_COLUMNS, rows)


@dataclass(frozen=True)
class _TrafficShape:
    """How a traffic table reads: its subject, its count column (the one with a bar), what a
    title says it is ranked by, the headers of its fields, and the note shown without rows."""

    subject: str
    count: str
    measure: str
    fields: tuple[str, ...]
    headers: dict[str, tuple[str, ColumnKind]]
    empty: str

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(Column(key, *self.headers[key]) for key in self.fields)


_SESSIONS: tuple[str, ColumnKind] = ("Sessions", "int")
TRAFFIC_SHAPES: dict[str, _TrafficShape] = {
    "pages": _TrafficShape(
        "Pages", "pageviews", "pageviews", PAGE_FIELDS,
        {"path": ("Page", "text"), "pageviews": ("Pageviews", "int"), "sessions": _SESSIONS},
        "No pageviews.",
    ),
    "landing_pages": _TrafficShape(
        "Landing pages", "sessions", "sessions", LANDING_PAGE_FIELDS,
        {"path": ("Landing page", "text"), "sessions": _SESSIONS,
         "bounce_rate": ("Bounce rate", "rate")},
        "No sessions.",
    ),
    "exit_pages": _TrafficShape(
        "Exit pages", "sessions", "sessions", EXIT_PAGE_FIELDS,
        {"path": ("Exit page", "text"), "sessions": _SESSIONS},
        "No sessions.",
    ),
    "referrers": _TrafficShape(
        "Referrer hosts", "sessions", "sessions", REFERRER_FIELDS,
        {"host": ("Referrer host", "text"), "sessions": _SESSIONS},
        "No session came from another site (direct and internal visits have no referrer host).",
    ),
    "channels": _TrafficShape(
        "Channels", "sessions", "sessions", CHANNEL_FIELDS,
        {"channel": ("Channel", "text"), "sessions": _SESSIONS,
         "macro_conversion_rate": ("Macro rate", "rate")},
        "No sessions.",
    ),
    "status_codes": _TrafficShape(
        "Status codes", "hits", "counted hits", STATUS_FIELDS,
        {"status": ("Status", "text"), "hits": ("Hits", "int")},
        "No counted hit has a status code (event exports log none).",
    ),
}  # fmt: skip


def traffic_table(report: Report, name: str) -> Table:
    """The traffic table ``name`` (a field of ``rows.Traffic``), titled with how many of its
    rows it shows: ``Pages: top 20 of 57, by pageviews``."""
    shape = TRAFFIC_SHAPES[name]
    ranked = getattr(report.traffic, name)
    title = shape.subject
    if ranked.total:
        title += f": top {len(ranked.rows):,} of {ranked.total:,}, by {shape.measure}"
    return Table(name, title, shape.columns, ranked.as_list())


def _traffic_table(name: str) -> Callable[[Report], Table]:
    return lambda report: traffic_table(report, name)


# Every table of the report by name, in display order: what ``--table`` picks for CSV/TSV (the
# names of ``option_values.TABLE_NAMES``, in the same order).
TABLES: dict[str, Callable[[Report], Table]] = {
    "input": input_table,
    "summary": summary_table,
    "trend": trend_table,
    "goals": goals_table,
    "funnels": funnels_table,
    "ladder": ladder_table,
    "micro_macro": micro_macro_table,
    "segments": segments_table,
    "experiment": experiment_table,
    "alerts": alerts_table,
    **{name: _traffic_table(name) for name in TRAFFIC_TABLES},
}


def report_table(report: Report, name: str) -> Table:
    """The table ``name`` (one of ``option_values.TABLE_NAMES``) of the report."""
    return TABLES[name](report)

"""The page people read (terminal, Markdown, HTML): the report's tables in their order, as
titled sections, with the line that opens the page and the comparison period named in its
columns' headers."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from micromacro.periods import zone_name
from micromacro.render.tables import (
    EXPERIMENT_REVENUE_COLUMNS,
    GOAL_DISPLAY_KEYS,
    GOAL_REVENUE_KEYS,
    SUMMARY_REVENUE,
    TRAFFIC_SHAPES,
    Table,
    alert_display_table,
    experiment_revenue_table,
    experiment_table,
    funnel_segment_tables,
    funnel_tables,
    goals_table,
    input_table,
    ladder_table,
    micro_macro_table,
    segment_tables,
    summary_table,
    traffic_table,
    trend_table,
)
from micromacro.render.values import format_instant, short_span
from micromacro.report import Report
from micromacro.rows import TRAFFIC_TABLES

__all__ = ["NO_GOALS", "Section", "period_line", "sections"]


@dataclass(frozen=True)
class Section:
    """One titled part of the page people read, and how to draw it: ``table`` (None for a
    ``note`` alone, or for a ``heading``: the line that opens the page), ``bar``: the column
    followed by a bar of each value against the column's largest, ``vertical``: a one-row table
    drawn as Metric | Value lines; ``before``: the name of the comparison period's column;
    ``chart_only``: a section the HTML page draws as a chart over its table, and the text
    pages (terminal, Markdown) leave out (a year's trend would be 365 lines)."""

    title: str
    table: Table | None
    bar: str | None = None
    vertical: bool = False
    note: str | None = None
    heading: bool = False
    before: str = "Before"
    chart_only: bool = False


def period_line(report: Report) -> str:
    """The line that opens the page: the period, its time zone and where its hits are, e.g.
    ``Period: 4 Nov 2026 00:00 – 11 Nov 2026 00:00 (Europe/Berlin), hits from 4 Nov 2026
    00:03 to 10 Nov 2026 23:58``."""
    tz, zone = report.tz, zone_name(report.tz)
    first, last = report.first_hit, report.last_hit
    if report.start is None or report.end is None:  # no hit stands for an open end
        if report.start is not None:
            return f"Period: from {format_instant(report.start, tz)} on ({zone}), no hits in it"
        if report.end is not None:
            return f"Period: before {format_instant(report.end, tz)} ({zone}), no hits in it"
        return f"Period: all hits ({zone}): none"
    span = f"{format_instant(report.start, tz)} – {format_instant(report.end, tz)} ({zone})"
    if not report.period.bounded:
        return f"Period: {span}, the first to the last hit"
    if first is None or last is None:
        return f"Period: {span}, no hits in it"
    return f"Period: {span}, hits from {format_instant(first, tz)} to {format_instant(last, tz)}"


def _before_label(report: Report) -> str:
    """The comparison period as a column header names it (``28 Oct–3 Nov 2026``)."""
    previous = report.previous
    if previous is None or previous.start is None or previous.end is None:
        return "Before"
    return short_span(previous.start, previous.end, report.tz)


def _dated(section: Section, label: str) -> Section:
    """``section`` whose comparison columns say which period they show (``Before`` becomes
    the label, ``Sessions before`` ``Sessions 28 Oct–3 Nov 2026``)."""
    table = section.table
    if table is None or not any(c.key.startswith("previous_") for c in table.columns):
        return section
    columns = tuple(
        replace(c, header=_with_label(c.header, label)) if c.key.startswith("previous_") else c
        for c in table.columns
    )
    shown = Table(table.name, table.title, columns, table.rows)
    return replace(section, table=shown, before=label)


def _with_label(header: str, label: str) -> str:
    if header == "Before":
        return label
    return header.removesuffix(" before") + f" {label}"


def _infinite_lifts(report: Report) -> Table:
    """The micro → macro table for people: a lift is ∞ where no visitor without the goal
    reached a macro goal but some with it did (JSON and CSV keep it null)."""
    table = micro_macro_table(report)
    rows = [
        {**shown, "lift": math.inf}
        if row.macro_rate_without == 0 and (row.macro_rate_with or 0) > 0
        else shown
        for row, shown in zip(report.micro_macro, table.rows, strict=True)
    ]
    return Table(table.name, table.title, table.columns, rows)


NO_GOALS = "No goals defined: pass --goals FILE (see goals.example.yaml)."
NO_GOALS_IN_FILE = "No goals defined: the goals file has no goals: list (see goals.example.yaml)."
NO_MACRO_GOAL = (
    "The goals file has no macro goal (a purchase, a lead, a sign-up), so no micro goal can "
    "be said to lead to one: add the site's main conversion as a goal of kind macro."
)


def _micro_goals_alone(report: Report) -> bool:
    """Whether the report's goals are all micro ones."""
    return bool(report.goals) and all(goal.kind == "micro" for goal in report.goals)


def _shown_summary(report: Report) -> Table:
    """The summary for people: its revenue rows only when a macro goal has a value, the
    currency only when the data gives one."""
    table = summary_table(report)
    summary = report.summary
    hidden = set(SUMMARY_REVENUE) if summary.macro_revenue_by_currency is None else set()
    if summary.currency is None:
        hidden.add("currency")
    columns = tuple(
        c
        for c in table.columns
        if c.key.removeprefix("previous_").removeprefix("change_").removeprefix("p_value_")
        not in hidden
    )
    return Table(table.name, table.title, columns, table.rows)


def _goal_revenue_keys(report: Report) -> tuple[str, ...]:
    """The revenue columns people see in the goals table: the value and it per session and
    visitor when some goal has a value, the currency when the data gives one."""
    keys: tuple[str, ...] = ()
    if any(goal.revenue_by_currency is not None for goal in report.goals):
        keys += GOAL_REVENUE_KEYS[:3]
    if any(goal.currency is not None for goal in report.goals):
        keys += GOAL_REVENUE_KEYS[3:]
    return keys


def sections(report: Report) -> list[Section]:
    """The page for people (terminal, Markdown, HTML), in order: the period, alerts (with
    ``--alerts``), input, summary, the trend (HTML only), goals (a note when there are none),
    funnels, engagement ladder and micro → macro (with goals), the traffic overview, the
    segments and funnels per ``--by``, the experiment; with ``--compare`` the comparison columns
    name their period."""
    page = [Section(period_line(report), None, heading=True)]
    if report.alerts is not None:
        alerts = alert_display_table(report)
        page.append(Section(alerts.title, alerts))
    source = input_table(report)
    page.append(Section(source.title, source))
    page.append(Section("Summary", _shown_summary(report), vertical=True))
    trend = trend_table(report)
    page.append(Section(trend.title, trend, bar="sessions", chart_only=True))
    goals = goals_table(report)
    if goals.rows:
        keys = GOAL_DISPLAY_KEYS + _goal_revenue_keys(report)
        shown = tuple(c for c in goals.columns if c.key in keys or c.kind == "change")
        page.append(Section(goals.title, Table("goals", goals.title, shown, goals.rows)))
    else:
        note = NO_GOALS_IN_FILE if report.goals_file else NO_GOALS
        page.append(Section(goals.title, None, note=note))
    page += [Section(t.title, t, bar="reached") for t in funnel_tables(report)]
    if goals.rows:
        for table in (ladder_table(report), _infinite_lifts(report)):
            if table.rows:
                page.append(Section(table.title, table))
        if not report.micro_macro and _micro_goals_alone(report):
            page.append(Section("Micro → macro (visitors)", None, note=NO_MACRO_GOAL))
    page += traffic_sections(report)
    page += [Section(t.title, t, bar="macro_conversion_rate") for t in segment_tables(report)]
    page += [Section(t.title, t) for t in funnel_segment_tables(report)]
    trial = experiment_table(report)
    if trial.rows:
        shown = tuple(c for c in trial.columns if c not in EXPERIMENT_REVENUE_COLUMNS)
        page.append(Section(trial.title, Table(trial.name, trial.title, shown, trial.rows)))
    revenue = experiment_revenue_table(report)
    if revenue is not None:
        page.append(Section(revenue.title, revenue))
    if report.comparison is not None:
        label = _before_label(report)
        page = [_dated(section, label) for section in page]
    return page


def traffic_sections(report: Report) -> list[Section]:
    """The traffic overview for people, a bar on each table's count; a note for an empty one."""
    page: list[Section] = []
    for name in TRAFFIC_TABLES:
        table = traffic_table(report, name)
        shape = TRAFFIC_SHAPES[name]
        if table.rows:
            page.append(Section(table.title, table, bar=shape.count))
        else:
            page.append(Section(table.title, None, note=shape.empty))
    return page

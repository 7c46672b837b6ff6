"""Markdown: every table of the report as a GitHub-flavoured pipe table."""

from __future__ import annotations

import html

from micromacro.render.tables import (
    GOAL_DISPLAY_KEYS,
    Column,
    Table,
    alert_display_table,
    format_value,
    funnel_segment_tables,
    funnel_tables,
    report_tables,
    segment_tables,
)
from micromacro.render.text import inert
from micromacro.report import Report


def _cell(text: str) -> str:
    # Escape what would end a cell or start markup; HTML entities keep tags inert.
    escaped = html.escape(inert(text), quote=False)
    for char in "\\|`*_[]":
        escaped = escaped.replace(char, "\\" + char)
    return escaped


def _pipe_table(columns: tuple[Column, ...], rows: list[dict[str, object]]) -> list[str]:
    align = [":---" if c.is_text else "---:" for c in columns]
    lines = [
        "| " + " | ".join(_cell(c.header) for c in columns) + " |",
        "| " + " | ".join(align) + " |",
    ]
    for row in rows:
        cells = [_cell(format_value(row.get(c.key), c.kind)) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _vertical(table: Table) -> list[str]:
    row = table.rows[0] if table.rows else {}
    rows: list[dict[str, object]] = [
        {"metric": c.header, "value": format_value(row.get(c.key), c.kind)} for c in table.columns
    ]
    return _pipe_table((Column("metric", "Metric"), Column("value", "Value")), rows)


def render_markdown(report: Report) -> str:
    """The input, summary, goals, funnel, ladder and micro → macro tables under level-2
    headings."""
    tables = report_tables(report)
    goals = tables["goals"]
    goal_columns = tuple(
        c for c in goals.columns if c.key in GOAL_DISPLAY_KEYS or c.kind == "change"
    )
    parts = []
    if report.alerts is not None:
        alerts = alert_display_table(report)
        parts += [f"## {_cell(alerts.title)}", "", *_pipe_table(alerts.columns, alerts.rows), ""]
    parts += [
        f"## {_cell(tables['input'].title)}",
        "",
        *_pipe_table(tables["input"].columns, tables["input"].rows),
        "",
        "## Summary",
        "",
        *_vertical(tables["summary"]),
        "",
        "## Goals",
        "",
        *(_pipe_table(goal_columns, goals.rows) if goals.rows else ["No goals defined."]),
    ]
    for funnel in funnel_tables(report):
        parts += ["", f"## {_cell(funnel.title)}", "", *_pipe_table(funnel.columns, funnel.rows)]
    for name in ("ladder", "micro_macro"):
        table = tables[name]
        if goals.rows and table.rows:
            parts += ["", f"## {_cell(table.title)}", "", *_pipe_table(table.columns, table.rows)]
    for segments in segment_tables(report):
        parts += [
            "",
            f"## {_cell(segments.title)}",
            "",
            *_pipe_table(segments.columns, segments.rows),
        ]
    for table in funnel_segment_tables(report):
        parts += ["", f"## {_cell(table.title)}", "", *_pipe_table(table.columns, table.rows)]
    trial = tables["experiment"]
    if trial.rows:
        parts += ["", f"## {_cell(trial.title)}", "", *_pipe_table(trial.columns, trial.rows)]
    return "\n".join(parts) + "\n"

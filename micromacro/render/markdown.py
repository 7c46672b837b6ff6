"""Markdown: every table of the report as a GitHub-flavoured pipe table."""

from __future__ import annotations

import html

from micromacro.render.page import Section, sections
from micromacro.render.tables import Column, Table
from micromacro.render.values import format_value
from micromacro.report import Report
from micromacro.text import inert


def _cell(text: str) -> str:
    # Escape what would end a cell or start markup; HTML entities keep tags inert.
    escaped = html.escape(inert(text), quote=False)
    for char in "\\|`*_[]~":
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


def _drawn(section: Section) -> list[str]:
    """A section as Markdown lines: its table, or its note."""
    table = section.table
    if table is None:
        return [section.note or ""]
    return _vertical(table) if section.vertical else _pipe_table(table.columns, table.rows)


def render_markdown(report: Report) -> str:
    """The report's sections (``page.sections``) under level-2 headings."""
    parts = [
        f"# {_cell(section.title)}"
        if section.heading
        else "\n".join([f"## {_cell(section.title)}", "", *_drawn(section)])
        for section in sections(report)
        if not section.chart_only
    ]
    return "\n\n".join(parts) + "\n"

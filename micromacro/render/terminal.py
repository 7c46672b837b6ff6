"""Terminal tables with rich: every log-derived string is shown inert, nothing is truncated."""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from micromacro.render.tables import Column, Section, Table, sections
from micromacro.render.text import inert
from micromacro.render.values import format_value
from micromacro.report import Report

# Wide enough that no column of a piped report is ever cut or wrapped.
_PIPE_WIDTH = 1000
_BAR_WIDTH = 24
_EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class TerminalStyle:
    """How the terminal output looks: colour only on a terminal, width of that terminal."""

    color: bool = False
    width: int | None = None


def _text(value: str, style: str = "") -> Text:
    # Text objects are never parsed for markup, so "[red]" in a path stays literal.
    return Text(inert(value), style=style)


def _add_column(rich: RichTable, column: Column) -> None:
    rich.add_column(
        _text(column.header),
        justify="left" if column.is_text else "right",
        overflow="fold",
    )


def _rich_table(
    table: Table, columns: tuple[Column, ...], style: TerminalStyle | None = None
) -> RichTable:
    rich = RichTable(box=box.SIMPLE_HEAD)
    for column in columns:
        _add_column(rich, column)
    for row in table.rows:
        rich.add_row(*(_cell(row.get(c.key), c, style) for c in columns))
    return rich


def _cell(value: object, column: Column, style: TerminalStyle | None) -> Text:
    """A value as text; a change is green when up and red when down, on a colour terminal."""
    colour = ""
    changed = column.kind == "change" and isinstance(value, int | float) and value
    if changed and style is not None and style.color:
        colour = "green" if value > 0 else "red"  # type: ignore[operator]
    if column.kind == "status" and value == "fired" and style is not None and style.color:
        colour = "bold red"
    return _text(format_value(value, column.kind), colour)


def bar(fraction: float, width: int = _BAR_WIDTH) -> str:
    """A horizontal bar ``width`` cells long at most, in eighths of a cell.

    >>> bar(0.5, 4), bar(1.0, 4), bar(0.0, 4)
    ('██', '████', '')
    """
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _bar_table(table: Table, key: str, style: TerminalStyle) -> RichTable:
    """``table`` with a bar after column ``key``, as long as its value / the column's largest."""
    values = [_number(row.get(key)) for row in table.rows]
    most = max(values, default=0.0)
    rich = RichTable(box=box.SIMPLE_HEAD)
    for column in table.columns:
        _add_column(rich, column)
        if column.key == key:
            rich.add_column(_text(""), no_wrap=True)
    for row, value in zip(table.rows, values, strict=True):
        cells = []
        for column in table.columns:
            cells.append(_cell(row.get(column.key), column, style))
            if column.key == key:
                length = bar(value / most if most else 0.0)
                cells.append(_text(length, "cyan" if style.color else ""))
        rich.add_row(*cells)
    return rich


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _summary_table(table: Table, style: TerminalStyle) -> RichTable:
    """Metric and value; with a comparison also the value before and the change."""
    row = table.rows[0] if table.rows else {}
    figures = [c for c in table.columns if not c.key.startswith(("previous_", "change_"))]
    compared = len(figures) < len(table.columns)
    rich = RichTable(box=box.SIMPLE_HEAD)
    rich.add_column(_text("Metric"))
    rich.add_column(_text("Value"), justify="right")
    if compared:
        rich.add_column(_text("Before"), justify="right")
        rich.add_column(_text("Change"), justify="right")
    by_key = {c.key: c for c in table.columns}
    for column in figures:
        cells = [_text(column.header), _text(format_value(row.get(column.key), column.kind))]
        if compared:
            before, change = by_key[f"previous_{column.key}"], by_key[f"change_{column.key}"]
            cells.append(_text(format_value(row.get(before.key), before.kind)))
            cells.append(_cell(row.get(change.key), change, style))
        rich.add_row(*cells)
    return rich


def _drawn(section: Section, style: TerminalStyle) -> RichTable | Text:
    """A section's table as rich draws it, or its note."""
    table = section.table
    if table is None:
        return _text(section.note or "")
    if section.vertical:
        return _summary_table(table, style)
    if section.bar is not None:
        return _bar_table(table, section.bar, style)
    return _rich_table(table, table.columns, style)


def render_terminal(report: Report, style: TerminalStyle) -> str:
    """The report's sections (``tables.sections``) as titled tables, returned as text."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=style.color,
        no_color=not style.color,
        color_system="auto" if style.color else None,
        width=style.width or _PIPE_WIDTH,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    for section in sections(report):
        console.print(_text(section.title, "bold"))
        console.print(_drawn(section, style))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"

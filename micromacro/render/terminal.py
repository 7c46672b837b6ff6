"""Terminal tables: every log-derived string is shown inert, nothing is truncated.

Each section of the page (``tables.sections``) becomes a grid of styled cells. The painter
(``render.painter``) draws it, fast, exactly as rich would; a grid the painter declines (a
table wider than the terminal, text rich lays out its own way) is drawn by rich.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from micromacro.render.painter import Cell, PaintColumn, Style, paint_table, paint_title
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


@dataclass(frozen=True)
class _Grid:
    """A table as cells: its columns and rows of (inert text, style); ``vertical`` tables
    (Metric | Value) let rich cut rather than fold their text when drawn narrow."""

    columns: list[PaintColumn]
    rows: list[list[Cell]]
    vertical: bool = False


def bar(fraction: float, width: int = _BAR_WIDTH) -> str:
    """A horizontal bar ``width`` cells long at most, in eighths of a cell.

    >>> bar(0.5, 4), bar(1.0, 4), bar(0.0, 4)
    ('██', '████', '')
    """
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def _cell(value: object, column: Column, style: TerminalStyle) -> Cell:
    """A value as text; a change is green when up and red when down, a fired alert bold red,
    on a colour terminal."""
    text = inert(format_value(value, column.kind))
    colour: Style = ""
    if style.color and column.kind == "change" and isinstance(value, int | float) and value:
        colour = "green" if value > 0 else "red"
    if style.color and column.kind == "status" and value == "fired":
        colour = "bold red"
    return (text, colour) if colour else text


def _paint_column(column: Column) -> PaintColumn:
    return PaintColumn(inert(column.header), right=not column.is_text)


def _plain_grid(table: Table, style: TerminalStyle) -> _Grid:
    columns = [_paint_column(column) for column in table.columns]
    rows = [[_cell(row.get(c.key), c, style) for c in table.columns] for row in table.rows]
    return _Grid(columns, rows)


def _bar_grid(table: Table, key: str, style: TerminalStyle) -> _Grid:
    """``table`` with a bar after column ``key``, as long as its value / the column's largest."""
    values = [_number(row.get(key)) for row in table.rows]
    most = max(values, default=0.0)
    columns: list[PaintColumn] = []
    for column in table.columns:
        columns.append(_paint_column(column))
        if column.key == key:
            columns.append(PaintColumn("", no_wrap=True))
    rows: list[list[Cell]] = []
    for row, value in zip(table.rows, values, strict=True):
        cells: list[Cell] = []
        for column in table.columns:
            cells.append(_cell(row.get(column.key), column, style))
            if column.key == key:
                length = bar(value / most if most else 0.0)
                cells.append((length, "cyan") if style.color and length else length)
        rows.append(cells)
    return _Grid(columns, rows)


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0


def _vertical_grid(table: Table, before: str, style: TerminalStyle) -> _Grid:
    """Metric and value; with a comparison also the value before and the change."""
    row = table.rows[0] if table.rows else {}
    figures = [c for c in table.columns if not c.key.startswith(("previous_", "change_"))]
    compared = len(figures) < len(table.columns)
    columns = [PaintColumn("Metric"), PaintColumn("Value", right=True)]
    if compared:
        columns += [PaintColumn(inert(before), right=True), PaintColumn("Change", right=True)]
    by_key = {c.key: c for c in table.columns}
    rows: list[list[Cell]] = []
    for column in figures:
        cells = [inert(column.header), _cell(row.get(column.key), column, style)]
        if compared:
            earlier, change = by_key[f"previous_{column.key}"], by_key[f"change_{column.key}"]
            cells.append(_cell(row.get(earlier.key), earlier, style))
            cells.append(_cell(row.get(change.key), change, style))
        rows.append(cells)
    return _Grid(columns, rows, vertical=True)


def _grid(section: Section, table: Table, style: TerminalStyle) -> _Grid:
    if section.vertical:
        return _vertical_grid(table, section.before, style)
    if section.bar is not None:
        return _bar_grid(table, section.bar, style)
    return _plain_grid(table, style)


def _rich_table(grid: _Grid) -> RichTable:
    """The grid as a rich table, for what the painter declines."""
    rich = RichTable(box=box.SIMPLE_HEAD)
    for column in grid.columns:
        cut = grid.vertical or column.no_wrap
        rich.add_column(
            Text(column.header),
            justify="right" if column.right else "left",
            overflow="ellipsis" if cut else "fold",
            no_wrap=column.no_wrap,
        )
    for row in grid.rows:
        rich.add_row(*(Text(c) if isinstance(c, str) else Text(c[0], style=c[1]) for c in row))
    return rich


class _Page:
    """The lines of the page, drawn by the painter where it can and by rich elsewhere."""

    def __init__(self, style: TerminalStyle) -> None:
        self._buffer = io.StringIO()
        self._console = Console(
            file=self._buffer,
            force_terminal=style.color,
            no_color=not style.color,
            color_system="auto" if style.color else None,
            width=style.width or _PIPE_WIDTH,
            highlight=False,
            emoji=False,
            markup=False,
            soft_wrap=False,
        )
        self.width = style.width or _PIPE_WIDTH
        self.color = self._console.color_system is not None
        self.lines: list[str] = []

    def rich(self, renderable: RenderableType) -> None:
        """Add what rich prints for ``renderable``."""
        self._console.print(renderable)
        self.lines += [line.rstrip() for line in self._buffer.getvalue().splitlines()]
        self._buffer.seek(0)
        self._buffer.truncate()

    def title(self, text: str) -> None:
        line = paint_title(inert(text), color=self.color, width=self.width)
        if line is None:
            self.rich(Text(inert(text), style="bold"))
        else:
            self.lines.append(line)

    def grid(self, grid: _Grid) -> None:
        lines = paint_table(grid.columns, grid.rows, color=self.color, width=self.width)
        if lines is None:
            self.rich(_rich_table(grid))
        else:
            self.lines += lines


def render_terminal(report: Report, style: TerminalStyle) -> str:
    """The report's sections (``tables.sections``) as titled tables, returned as text."""
    page = _Page(style)
    for section in sections(report):
        page.title(section.title)
        if section.heading:
            page.lines.append("")
        elif section.table is None:
            page.rich(Text(inert(section.note or "")))
            page.lines.append("")
        else:
            page.grid(_grid(section, section.table, style))
    return "\n".join(page.lines) + "\n"

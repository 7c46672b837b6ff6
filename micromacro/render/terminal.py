"""Terminal tables: every log-derived string is shown inert, and on a terminal every table fits.

Each section of the page (``page.sections``) becomes a grid of styled cells. The painter
(``render.painter``) draws it, fast, exactly as rich would; a grid the painter declines (text
rich lays out its own way) is drawn by rich.

Piped (``TerminalStyle.width`` is None, or ``--wide``) every table is drawn whole, however wide.
On a terminal of ``width`` columns a table wider than that is fitted to it (``_fit``):

1. headers wrap at spaces, never inside a word; names (text columns) are cut to
   ``NAME_CAP`` cells with an ellipsis, a bar to ``_BAR_MIN`` cells;
2. columns are hidden by their ``priority`` (``tables.Column``), the lowest first (columns of
   equal priority together), until the table fits; a note under it names them;
3. the bar goes, then names are cut further, down to ``NAME_MIN`` cells;
4. when the columns that are never hidden (``KEEP``) still do not fit, the table is drawn as
   one block per row: the row's name over the header and value of every other column (names
   cut further before a header's word is);
5. the room left goes back to the names first, then to the headers (fewer lines), then to the
   bar.

Figures are never cut or wrapped: a column of figures is always as wide as its widest figure.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field, replace

from rich import box
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.table import Table as RichTable
from rich.text import Text

from micromacro.render.options import TerminalStyle
from micromacro.render.page import Section, sections
from micromacro.render.painter import (
    Cell,
    PaintColumn,
    Style,
    column_widths,
    paint_table,
    paint_title,
    table_width,
)
from micromacro.render.tables import KEEP, Column, Table, good_news
from micromacro.render.values import format_value
from micromacro.report import Report
from micromacro.text import inert

# Wide enough that no column of a piped report is ever cut or wrapped.
_PIPE_WIDTH = 1000
_BAR_WIDTH = 24
_BAR_MIN = 8
_EIGHTHS = " ▏▎▍▌▋▊▉"
# A name's width while columns are hidden, and the narrowest it is cut to (its ellipsis
# included) before a table is drawn a block per row.
NAME_CAP = 30
NAME_MIN = 16
_ELLIPSIS = "…"


@dataclass(frozen=True)
class _Column:
    """A column of a grid: how the painter draws it, and how it gives way on a narrow
    terminal: its ``priority`` (``tables.Column``), whether its texts are ``name``s (cut with
    an ellipsis when narrow) or it is the ``bar`` column (redrawn at the width it gets)."""

    paint: PaintColumn
    priority: int = KEEP
    name: bool = False
    bar: bool = False


@dataclass(frozen=True)
class _Grid:
    """A table as cells: its columns and rows of (inert text, style); ``vertical`` tables
    (Metric | Value) let rich cut rather than fold their text when drawn narrow; ``fractions``
    are the bar column's values (each row's value over the largest)."""

    columns: list[_Column]
    rows: list[list[Cell]]
    vertical: bool = False
    fractions: list[float] = field(default_factory=list)

    @property
    def paint_columns(self) -> list[PaintColumn]:
        return [column.paint for column in self.columns]


def bar(fraction: float, width: int = _BAR_WIDTH) -> str:
    """A horizontal bar ``width`` cells long at most, in eighths of a cell.

    >>> bar(0.5, 4), bar(1.0, 4), bar(0.0, 4)
    ('██', '████', '')
    """
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells: whole when it fits, else its start and ``…``.

    >>> cut("checkout_started", 10), cut("purchase", 10), cut("a b c d", 4)
    ('checkout_…', 'purchase', 'a b…')
    """
    if cell_len(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width - 1:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + _ELLIPSIS if width > 0 else ""


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces only; a word longer
    than ``width`` is cut with an ellipsis (``cut``), never broken.

    >>> wrap("Macro rate without", 10), wrap("Median time from previous", 8)
    (['Macro rate', 'without'], ['Median', 'time', 'from', 'previous'])
    """
    lines: list[str] = []
    for word in text.split(" "):
        word = cut(word, width)
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _cell(value: object, column: Column, style: TerminalStyle) -> Cell:
    """A value as text; a change is green when good news and red when bad (a rise, but a fall
    of the bounce rate), a fired alert bold red, on a colour terminal."""
    text = inert(format_value(value, column.kind))
    colour: Style = ""
    if style.color and column.kind == "change" and isinstance(value, int | float) and value:
        colour = "green" if good_news(column.key.removeprefix("change_"), value) else "red"
    if style.color and column.kind == "status" and value == "fired":
        colour = "bold red"
    return (text, colour) if colour else text


def _grid_column(column: Column) -> _Column:
    return _Column(
        PaintColumn(inert(column.header), right=not column.is_text),
        priority=column.priority,
        name=column.is_text,
    )


def _plain_grid(table: Table, style: TerminalStyle) -> _Grid:
    columns = [_grid_column(column) for column in table.columns]
    rows = [[_cell(row.get(c.key), c, style) for c in table.columns] for row in table.rows]
    return _Grid(columns, rows)


def _bar_grid(table: Table, key: str, style: TerminalStyle) -> _Grid:
    """``table`` with a bar after column ``key``, as long as its value / the column's largest;
    the bar gives way with its column."""
    values = [_number(row.get(key)) for row in table.rows]
    most = max(values, default=0.0)
    fractions = [value / most if most else 0.0 for value in values]
    columns: list[_Column] = []
    for column in table.columns:
        columns.append(_grid_column(column))
        if column.key == key:
            columns.append(
                _Column(PaintColumn("", no_wrap=True), priority=column.priority, bar=True)
            )
    rows: list[list[Cell]] = []
    for row, fraction in zip(table.rows, fractions, strict=True):
        cells: list[Cell] = []
        for column in table.columns:
            cells.append(_cell(row.get(column.key), column, style))
            if column.key == key:
                cells.append(_bar_cell(fraction, _BAR_WIDTH, style))
        rows.append(cells)
    return _Grid(columns, rows, fractions=fractions)


def _bar_cell(fraction: float, width: int, style: TerminalStyle) -> Cell:
    length = bar(fraction, width)
    return (length, "cyan") if style.color and length else length


def _number(value: object) -> float:
    number = float(value) if isinstance(value, int | float) else 0.0
    return number if math.isfinite(number) else 0.0


def _vertical_grid(table: Table, before: str, style: TerminalStyle) -> _Grid:
    """Metric and value; with a comparison also the value before and the change (hidden
    first on a narrow terminal, by their columns' priorities)."""
    row = table.rows[0] if table.rows else {}
    figures = [c for c in table.columns if not c.key.startswith(("previous_", "change_"))]
    compared = len(figures) < len(table.columns)
    columns = [_Column(PaintColumn("Metric"), name=True), _Column(PaintColumn("Value", right=True))]
    by_key = {c.key: c for c in table.columns}
    if compared:
        earlier, change = by_key[f"previous_{figures[0].key}"], by_key[f"change_{figures[0].key}"]
        columns += [
            _Column(PaintColumn(inert(before), right=True), priority=earlier.priority),
            _Column(PaintColumn("Change", right=True), priority=change.priority),
        ]
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


def _text(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell[0]


def _restyled(cell: Cell, text: str) -> Cell:
    """``text`` in the style of ``cell``."""
    return text if isinstance(cell, str) or not text else (text, cell[1])


def _total(widths: list[int]) -> int:
    """A table's width in cells from its columns' text widths (padding and edges added)."""
    return sum(widths) + 3 * len(widths) + 1


def _longest_word(text: str) -> int:
    return max(cell_len(word) for word in text.split(" "))


def _cells_widths(grid: _Grid) -> list[int]:
    """The width of each column's widest cell (its header left out)."""
    blank = [PaintColumn("") for _ in grid.columns]
    widths = column_widths(blank, grid.rows)
    if widths is None:  # text only rich draws: measured as rich measures it, by cells
        widths = [
            max((cell_len(_text(row[index])) for row in grid.rows), default=0)
            for index in range(len(grid.columns))
        ]
    return widths


@dataclass(frozen=True)
class _Fit:
    """How a grid is drawn at a width: the columns ``kept`` (indices) with their text
    ``widths``, and the ``hidden`` ones, in the order they went."""

    kept: list[int]
    widths: list[int]
    hidden: list[int]


def _fit(grid: _Grid, width: int) -> _Fit | None:
    """The columns and widths that draw ``grid`` in ``width`` cells (see the module's
    docstring), or None when only a block per row fits."""
    columns = grid.columns
    cells = _cells_widths(grid)
    natural = [max(size, cell_len(c.paint.header)) for c, size in zip(columns, cells, strict=True)]
    narrowest: list[int] = []  # the narrowest each column may get
    widths: list[int] = []  # the widths while columns are hidden
    for column, size in zip(columns, cells, strict=True):
        word = _longest_word(column.paint.header)
        if column.bar:
            narrowest.append(min(size, _BAR_MIN))
            widths.append(min(size, _BAR_MIN))
        elif column.name:
            narrowest.append(max(word, min(size, NAME_MIN)))
            widths.append(max(word, min(size, NAME_CAP)))
        else:
            narrowest.append(max(word, size))
            widths.append(max(word, size))
    kept = list(range(len(columns)))
    hidden: list[int] = []

    def total() -> int:
        return _total([widths[index] for index in kept])

    while total() > width:
        hideable = [columns[index].priority for index in kept if columns[index].priority < KEEP]
        if not hideable:
            break
        gone = [index for index in kept if columns[index].priority == min(hideable)]
        kept = [index for index in kept if index not in gone]
        hidden += gone
    bars = [index for index in kept if columns[index].bar]
    if total() > width and bars:
        kept = [index for index in kept if index not in bars]
        bars = []
    names = [index for index in kept if columns[index].name]
    over = total() - width
    while over > 0:  # the widest name loses a cell, the rightmost among equals
        wider = [index for index in names if widths[index] > narrowest[index]]
        if not wider:
            # a block per row; a table without rows keeps its header, as narrow as it gets
            return None if grid.rows else _Fit(kept, [widths[index] for index in kept], hidden)
        widths[max(wider, key=lambda index: (widths[index], index))] -= 1
        over -= 1

    room = width - total()
    while room > 0:  # names grow back, the narrowest first
        shorter = [index for index in names if widths[index] < natural[index]]
        if not shorter:
            break
        widths[min(shorter, key=lambda index: (widths[index], index))] += 1
        room -= 1
    room = _unwrap_headers(columns, kept, widths, room)
    for index in bars:
        widths[index] = min(natural[index], widths[index] + room)
    return _Fit(kept, [widths[index] for index in kept], hidden)


def _unwrap_headers(columns: list[_Column], kept: list[int], widths: list[int], room: int) -> int:
    """Widen the kept columns (``widths``, in place) with at most ``room`` cells so that their
    headers take as few lines as can be: first the fewest lines every header fits in, then
    every header that can have one line, the cheapest first. Returns the room left."""

    def widening(index: int, lines: int) -> int:
        """The cells column ``index`` needs for its header to take at most ``lines`` lines."""
        header = columns[index].paint.header
        size = widths[index]
        while len(wrap(header, size)) > lines:
            size += 1
        return size - widths[index]

    tallest = max((len(wrap(columns[i].paint.header, widths[i])) for i in kept), default=1)
    for lines in range(1, tallest):
        needed = {index: widening(index, lines) for index in kept}
        if sum(needed.values()) <= room:
            for index, more in needed.items():
                widths[index] += more
            room -= sum(needed.values())
            break
    for index in sorted(kept, key=lambda index: (widening(index, 1), index)):
        more = widening(index, 1)
        if more <= room:
            widths[index] += more
            room -= more
    return room


def _fitted(
    grid: _Grid, fit: _Fit, style: TerminalStyle
) -> tuple[list[PaintColumn], list[list[Cell]]]:
    """The columns (headers wrapped, widths fixed) and cells (names cut, bars redrawn) of
    ``grid`` laid out by ``fit``."""
    layout = [
        (grid.columns[index], index, size) for index, size in zip(fit.kept, fit.widths, strict=True)
    ]
    columns = [
        replace(column.paint, header="\n".join(wrap(column.paint.header, size)), width=size)
        for column, _, size in layout
    ]
    rows: list[list[Cell]] = []
    for number, row in enumerate(grid.rows):
        cells: list[Cell] = []
        for column, index, size in layout:
            cell = row[index]
            if column.bar:
                cells.append(_bar_cell(grid.fractions[number], size, style))
            elif column.name:
                cells.append(_restyled(cell, cut(_text(cell), size)))
            else:
                cells.append(cell)
        rows.append(cells)
    return columns, rows


def _blocks(grid: _Grid, width: int) -> list[tuple[list[PaintColumn], list[list[Cell]]]]:
    """``grid`` as one two-column table per row: the header of its first name column (its
    first column when it has none) and the row's name in it on top, then every other column's
    header and value (bars left out); every block as wide as the others, names cut and labels
    wrapped at spaces to fit ``width`` (a value on its label's last line), so that no label
    is cut into another's words ("Macro rate with…" for "Macro rate without")."""
    shown = [index for index, column in enumerate(grid.columns) if not column.bar]
    first = next((index for index in shown if grid.columns[index].name), shown[0])
    others = [index for index in shown if index != first]
    labels = [grid.columns[first].paint.header] + [grid.columns[i].paint.header for i in others]
    figures = [
        cell_len(_text(row[index]))
        for row in grid.rows
        for index in [first, *others]
        if not grid.columns[index].name
    ]
    names = [
        cell_len(_text(row[index]))
        for row in grid.rows
        for index in [first, *others]
        if grid.columns[index].name
    ]
    label = max(cell_len(text) for text in labels)
    value = max(max(figures, default=0), max(names, default=0))
    least = [
        min(label, max(_longest_word(text) for text in labels)),
        max(max(figures, default=0), min(value, NAME_MIN)),
    ]
    sizes = [label, value]
    while _total(sizes) > width and (sizes[0] > least[0] or sizes[1] > least[1]):
        widest = 0 if sizes[0] - least[0] >= sizes[1] - least[1] else 1
        sizes[widest] -= 1
    # Narrower still: names are cut further, then the labels' words; figures never are.
    while _total(sizes) > width and sizes[1] > max(max(figures, default=0), 1):
        sizes[1] -= 1
    while _total(sizes) > width and sizes[0] > 1:
        sizes[0] -= 1
    label, value = sizes

    def value_of(row: list[Cell], index: int) -> Cell:
        cell = row[index]
        return _restyled(cell, cut(_text(cell), value)) if grid.columns[index].name else cell

    blocks = []
    for row in grid.rows:
        head = value_of(row, first)
        columns = [
            PaintColumn("\n".join(wrap(labels[0], label)), width=label),
            PaintColumn(_text(head), right=True, width=value),
        ]
        rows: list[list[Cell]] = []
        for index in others:
            *above, last = wrap(grid.columns[index].paint.header, label)
            rows += [[line, ""] for line in above]
            rows.append([last, value_of(row, index)])
        blocks.append((columns, rows))
    return blocks


def _rich_table(
    columns: list[PaintColumn], rows: list[list[Cell]], *, vertical: bool, fitted: bool
) -> RichTable:
    """The grid as a rich table, for what the painter declines. Text too long for its column
    is folded, but cut with an ellipsis in ``vertical`` tables (Metric | Value) and bars; in a
    ``fitted`` table (fixed widths) it is cut, never wrapped."""
    rich = RichTable(box=box.SIMPLE_HEAD)
    for column in columns:
        rich.add_column(
            Text(column.header),
            justify="right" if column.right else "left",
            overflow="ellipsis" if vertical or fitted or column.no_wrap else "fold",
            no_wrap=column.no_wrap or fitted,
            width=column.width,
        )
    for row in rows:
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
        self.style = style
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
        shown = inert(text)
        line = paint_title(shown, color=self.color, width=self.width)
        if line is not None:
            self.lines.append(line)
        elif self.style.width is None:
            self.rich(Text(shown, style="bold"))
        else:  # a terminal: broken at spaces, never inside a word
            for part in wrap(shown, self.width):
                painted = paint_title(part, color=self.color, width=self.width)
                if painted is None:
                    self.rich(Text(part, style="bold", no_wrap=True, overflow="ellipsis"))
                else:
                    self.lines.append(painted)

    def note(self, text: str) -> None:
        """A plain line under a table, broken at spaces to fit the width."""
        self.lines += ["  " + line for line in wrap(text, self.width - 2)]
        self.lines.append("")

    def grid(self, grid: _Grid) -> None:
        columns, rows = grid.paint_columns, grid.rows
        width = self.style.width
        if width is None or _natural_width(grid) <= width:
            self.table(columns, rows, vertical=grid.vertical)
            return
        fit = _fit(grid, width)
        if fit is None:
            for number, (block, cells) in enumerate(_blocks(grid, width)):
                self.table(block, cells, fitted=True, top=number == 0)
            self.note(
                f"one block per row: the table is wider than {width} columns; --wide draws it whole"
            )
            return
        self.table(*_fitted(grid, fit, self.style), fitted=True)
        if fit.hidden:
            headers = [grid.columns[index].paint.header for index in sorted(fit.hidden)]
            shown = [header for header in headers if header]
            count = len(shown)
            self.note(
                f"{count} column{'s' if count != 1 else ''} hidden at {width} columns: "
                f"{', '.join(shown)}; --wide shows all"
            )

    def table(
        self,
        columns: list[PaintColumn],
        rows: list[list[Cell]],
        *,
        vertical: bool = False,
        fitted: bool = False,
        top: bool = True,
    ) -> None:
        """Add a table's lines (``top``: with its top edge, a blank line); ``vertical`` and
        ``fitted`` say how rich draws what the painter declines (``_rich_table``)."""
        start = len(self.lines)
        lines = paint_table(columns, rows, color=self.color, width=self.width)
        if lines is None:
            self.rich(_rich_table(columns, rows, vertical=vertical, fitted=fitted))
        else:
            self.lines += lines
        if not top and len(self.lines) > start and self.lines[start] == "":
            del self.lines[start]


def _natural_width(grid: _Grid) -> int:
    """The width of the grid drawn whole, every text on one line (``painter.table_width``;
    measured by cells where only rich can draw it)."""
    width = table_width(grid.paint_columns, grid.rows)
    if width is not None:
        return width
    return _total(
        [
            max(size, cell_len(column.paint.header))
            for column, size in zip(grid.columns, _cells_widths(grid), strict=True)
        ]
    )


def render_sections(page: list[Section], style: TerminalStyle) -> str:
    """Sections of a page as titled tables (or notes), returned as text."""
    drawn = _Page(style)
    for section in page:
        drawn.title(section.title)
        if section.heading:
            drawn.lines.append("")
        elif section.table is None:
            drawn.rich(Text(inert(section.note or "")))
            drawn.lines.append("")
        else:
            drawn.grid(_grid(section, section.table, style))
    return "\n".join(drawn.lines) + "\n"


def render_terminal(report: Report, style: TerminalStyle) -> str:
    """The report's sections (``page.sections``) as titled tables, returned as text."""
    return render_sections([s for s in sections(report) if not s.chart_only], style)

"""A fast table painter that draws exactly what rich draws for micromacro's tables.

rich lays a table out cell by cell through its generic renderable machinery (padding, measuring,
wrapping, segments), which takes seconds for tens of thousands of cells. The tables micromacro
prints are simple: a ``box.SIMPLE_HEAD`` table of one-line ``Text`` cells, each with at most one
style, printed on the console ``render.terminal`` builds. For those, when the table fits the
width, the output is a fixed pattern, which this module writes directly:

* a top edge of spaces (empty once right-stripped),
* the header row, each cell padded by one space on both sides and cells joined by one space,
  with a one-space edge on the left and the right; in colour the left padding, the justified
  header and the right padding are each wrapped in their own bold sequence. A header may hold
  several lines (split at ``\n``, as ``render.terminal`` wraps headers at spaces): the row is
  as tall as the tallest header, each header sits at its bottom, and the lines above a shorter
  one are blank (in colour, one bold sequence of spaces across the cell and its padding),
* a rule: a space, then ``─`` across every column, padding and divider, then a space,
* one line per row, the justified text (its justifying spaces too) in the cell's style, the
  padding and dividers unstyled,
* a bottom edge of spaces (empty once right-stripped).

Every line is right-stripped, as ``render.terminal`` strips the lines rich prints.

A cell's text is measured with ``rich.cells.cell_len`` (wide East Asian characters take two
cells, combining marks none). The painter only draws text whose width is the sum of its
characters' widths, that stays on one line (each line of a header) and that rich's ``Text``
keeps as it is; for anything else (zero-width joiners, emoji presentation selectors, tabs,
bells, backspaces, line breaks in a cell or line separators: ``text.inert`` escapes all
of these but the selector), for a header several lines tall over
a column with no room for text, and for a table wider than the width it returns ``None``, for
the caller to let rich draw it.

``render.terminal``'s console is 1000 cells wide when piped: pass ``width=style.width or 1000``
to get its output byte for byte (``width=None`` never declines a table for its width).

>>> paint_table([PaintColumn("Goal"), PaintColumn("Hits", right=True)],
...             [["signup", "12"], ["buy", ("3", "green")]], color=False)
['', '  Goal     Hits', ' ───────────────', '  signup     12', '  buy         3', '']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from rich.cells import cell_len

Style: TypeAlias = Literal["", "green", "red", "bold red", "cyan"]
Cell: TypeAlias = str | tuple[str, Style]

# The SGR parameters rich writes for each style; the same for every colour system rich
# detects on a colour terminal (standard, 256 colours, truecolor), as these are the 8 basic
# colours.
_SGR: dict[str, str] = {"": "", "green": "32", "red": "31", "bold red": "1;31", "cyan": "36"}
_BOLD = "1"
_RESET = "\x1b[0m"
# What rich does not simply lay out character by character: a zero-width joiner hides the
# character after it and the emoji presentation selector widens the one before it (rich.cells),
# Text expands tabs and drops bells and backspaces.
_UNDRAWABLE = re.compile("[\t\x07\x08\u200d\ufe0f]")
# Trailing whitespace, as rich's Text.rstrip_end finds it.
_TRAILING_SPACE = re.compile(r"\s+$")


@dataclass(frozen=True)
class PaintColumn:
    """A column: its header (lines split at ``\n``), right-justified (numbers) or left (text),
    whether rich's column is ``no_wrap`` (the bar columns), and its ``width`` when it is
    fixed (rich's ``Column(width=…)``: the text's width, without padding; ``None``: as wide
    as its widest text)."""

    header: str
    right: bool = False
    no_wrap: bool = False
    width: int | None = None

    @property
    def header_lines(self) -> list[str]:
        """The header's lines, as rich's ``Text`` splits them."""
        return self.header.split("\n")


def _width(text: str) -> int | None:
    """The cells ``text`` takes on one line, or ``None`` when the painter cannot draw it
    exactly like rich (its width is not the sum of its characters' widths, or rich would not
    keep it on one line)."""
    if text.isascii() and text.isprintable():
        return len(text)
    if _UNDRAWABLE.search(text):
        return None
    # Text.__rich_measure__ measures str.splitlines() lines and Text only breaks at "\n";
    # terminal.py splits rich's output with str.splitlines(): one line or none at all.
    if text.splitlines() not in ([], [text]):
        return None
    return cell_len(text)


def _justify(text: str, width: int, column: PaintColumn) -> str:
    """``text`` (measured by ``_width``, at most ``width`` cells) justified in ``width``
    cells, as rich's Text.wrap and Lines.justify do it."""
    if column.right:
        text = text.rstrip()
        return " " * (width - cell_len(text)) + text
    if not column.no_wrap and len(text) > width:
        # Text.rstrip_end compares the length in characters with the width in cells, so it
        # can drop trailing whitespace from text with combining marks; the padding below puts
        # spaces back in its place.
        match = _TRAILING_SPACE.search(text)
        if match is not None:
            text = text[: len(text) - min(len(match.group()), len(text) - width)]
    return text + " " * (width - cell_len(text))


def _parts(cell: Cell) -> tuple[str, str]:
    if isinstance(cell, str):
        return cell, ""
    text, style = cell
    if style not in _SGR:
        raise ValueError(f"unknown style {style!r}; one of {sorted(_SGR)}")
    return text, _SGR[style]


def _styled(text: str, sgr: str) -> str:
    return f"\x1b[{sgr}m{text}{_RESET}" if sgr and text else text


def table_width(columns: Sequence[PaintColumn], rows: Sequence[Sequence[Cell]]) -> int | None:
    """The width in cells rich needs to draw the table without wrapping, or ``None`` if the
    painter cannot draw one of its texts (or a column's fixed width is too narrow for it)."""
    widths = column_widths(columns, rows)
    if widths is None:
        return None
    return sum(widths) + 3 * len(columns) + 1


def column_widths(
    columns: Sequence[PaintColumn], rows: Sequence[Sequence[Cell]]
) -> list[int] | None:
    """Each column's width in cells (without padding) when rich draws the table without
    wrapping, as ``table_width`` counts them; ``None`` as there."""
    return _column_widths(columns, rows, {})


def _column_widths(
    columns: Sequence[PaintColumn], rows: Sequence[Sequence[Cell]], measured: dict[str, int | None]
) -> list[int] | None:
    """Each column's text width (without padding), or its fixed width (``None`` when a text
    is wider: rich would wrap it); ``measured`` caches ``_width``."""
    widths = []
    for index, column in enumerate(columns):
        texts = set(column.header_lines)
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
            cell = row[index]
            texts.add(cell if isinstance(cell, str) else cell[0])
        most = 0
        for text in texts:
            size = measured.get(text, -1)
            if size == -1:
                size = measured[text] = _width(text)
            if size is None:
                return None
            most = max(most, size)
        if column.width is not None:
            if most > column.width:
                return None
            most = column.width
        widths.append(most)
    return widths


def paint_table(
    columns: Sequence[PaintColumn],
    rows: Sequence[Sequence[Cell]],
    *,
    color: bool,
    width: int | None = None,
) -> list[str] | None:
    """The lines of a rich ``box.SIMPLE_HEAD`` table, right-stripped, as ``render.terminal``
    prints it; ``None`` when it is wider than ``width`` or holds text the painter cannot
    draw, for the caller to draw it with rich instead.

    ``width`` is the console's width (``None``: no limit). ``color`` is whether rich writes
    ANSI styles: on a console like ``render.terminal``'s, ``console.color_system is not
    None`` (with colour asked for, rich still writes none when ``TERM`` is ``dumb``).
    A cell is its text, or its text and style.
    """
    if not columns:
        return [""]  # rich prints a table without columns as one empty line
    measured: dict[str, int | None] = {}
    widths = _column_widths(columns, rows, measured)
    if widths is None:
        return None
    total = sum(widths) + 3 * len(columns) + 1
    if width is not None and total > width:
        return None

    layout = list(zip(columns, widths, strict=True))
    # Each column's justified texts, by text: each distinct text is justified once.
    fitted: list[dict[str, str]] = [{} for _ in columns]

    def fit(index: int, text: str) -> str:
        done = fitted[index].get(text)
        if done is None:
            column, size = layout[index]
            if text.isascii() and text.isprintable():  # one cell a character: the common case
                done = text.rstrip().rjust(size) if column.right else text.ljust(size)
            else:
                done = _justify(text, size, column)
            fitted[index][text] = done
        return done

    heights = [len(column.header_lines) for column in columns]
    height = max(heights)
    if height > 1 and 0 in widths:
        return None  # rich lays out a tall header row with an empty column its own way
    lines = [""]
    for line_no in range(height):
        header_cells = []
        for index, (column, size) in enumerate(layout):
            above = line_no - (height - heights[index])  # headers sit at the bottom of the row
            if above < 0:
                header_cells.append(_styled(" " * (size + 2), _BOLD if color else ""))
            elif size == 0:
                # rich draws a cell with no room for text as a blank of its two padding spaces,
                # in the header's style, unless no cell of the row has room for text: then
                # unstyled.
                header_cells.append(_styled("  ", _BOLD if color and any(widths) else ""))
            elif color:
                bold_space = _styled(" ", _BOLD)
                content = _styled(fit(index, column.header_lines[above]), _BOLD)
                header_cells.append(f"{bold_space}{content}{bold_space}")
            else:
                header_cells.append(f" {fit(index, column.header_lines[above])} ")
        lines.append(f" {' '.join(header_cells)} ".rstrip())
    lines.append(" " + "─" * (total - 2))

    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            text, sgr = _parts(cell)
            if widths[index] == 0:
                cells.append("  ")
            elif color and sgr:
                cells.append(f" {_styled(fit(index, text), sgr)} ")
            else:
                cells.append(f" {fit(index, text)} ")
        lines.append(f" {' '.join(cells)} ".rstrip())
    lines.append("")
    return lines


def paint_title(text: str, *, color: bool, width: int | None = None) -> str | None:
    """The line ``console.print(Text(text, "bold"))`` prints, right-stripped; ``None`` when
    rich would not print it on one line of ``width`` cells (``None``: no limit)."""
    size = _width(text)
    if size is None or (width is not None and size > width):
        return None
    if width is not None and len(text) > width:
        match = _TRAILING_SPACE.search(text)  # Text.rstrip_end, as in _justify
        if match is not None:
            text = text[: len(text) - min(len(match.group()), len(text) - width)]
    return _styled(text, _BOLD if color else "").rstrip()

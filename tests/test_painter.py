"""The table painter draws byte for byte what rich draws through render.terminal's console.

- random tables (1-8 columns, 0-20 rows, either justification, wrapping or not, text with wide
  East Asian characters, combining marks, odd spaces and empty cells, random styles): the
  painter's lines are rich's, right-stripped as terminal.py strips them, with colour and
  without, unlimited (terminal.py's piped width of 1000) and at terminal widths, where the
  painter declines exactly the tables wider than the terminal;
- text the painter does not draw (zero-width joiners, emoji presentation, tabs, line
  separators) makes it decline, never draw something else;
- titles, the same;
- headers of several lines (wrapped at spaces), at the bottom of the header row, and columns
  of a fixed width (rich's ``Column(width=…)``), the same;
- a 2x2 table, an empty one, one with a wide header and one with a two-line header, written out
  by hand;
- 10,000 rows paint.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich import box
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from micromacro.render.painter import (
    Cell,
    PaintColumn,
    Style,
    column_widths,
    paint_table,
    paint_title,
    table_width,
)

STYLES: tuple[Style, ...] = ("", "green", "red", "bold red", "cyan")
# Printable text: ASCII, wide CJK and Hangul, fullwidth forms, a wide emoji, combining marks,
# zero-width space, and spaces of several widths (no-break, ideographic, thin).
ALPHABET = (
    "abcXYZ019 -_./%?,:;()[]{}<>|\\'\"#@!~"
    "中文字日本語한국ＡＢ１😀"
    "é\u0301\u0308\u20dd\u200b"
    "\xa0\u3000\u2009"
    "█▏▎▍▌▋▊▉"
)
# Text rich lays out differently from the sum of its characters' widths or not on one line: the
# painter must decline it.
HOSTILE = "\u200d\ufe0f\t\x07\x08\u2028\u2029\x1c\x85\n\r\x0b"
# Control characters the painter draws as rich does (render.terminal makes them inert before).
CONTROLS = "\x00\x1b\x7f\x9b"


@contextmanager
def _colour_terminal() -> Iterator[None]:
    # rich writes no ANSI styles on a TERM=dumb terminal even when forced; make sure it may.
    with mock.patch.dict(os.environ, {"TERM": "xterm-256color"}):
        yield


def _console(color: bool, width: int | None) -> tuple[Console, io.StringIO]:
    """A console configured exactly like render.terminal's."""
    buffer = io.StringIO()
    with _colour_terminal():
        console = Console(
            file=buffer,
            force_terminal=color,
            no_color=not color,
            color_system="auto" if color else None,
            width=width or 1000,
            highlight=False,
            emoji=False,
            markup=False,
            soft_wrap=False,
        )
    assert (console.color_system is not None) == color
    return console, buffer


def _lines(buffer: io.StringIO) -> list[str]:
    return [line.rstrip() for line in buffer.getvalue().splitlines()]


def rich_table(
    columns: Sequence[PaintColumn],
    rows: Sequence[Sequence[Cell]],
    *,
    color: bool,
    width: int | None = None,
    fold: bool = True,
) -> list[str]:
    """The lines render.terminal gets from rich for this table."""
    console, buffer = _console(color, width)
    table = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        justify: JustifyMethod = "right" if column.right else "left"
        fixed = column.width
        if column.no_wrap:  # the bar columns
            table.add_column(Text(column.header), justify=justify, no_wrap=True, width=fixed)
        elif fold:
            table.add_column(Text(column.header), justify=justify, overflow="fold", width=fixed)
        else:  # the summary table's columns keep rich's default overflow
            table.add_column(Text(column.header), justify=justify, width=fixed)
    for row in rows:
        table.add_row(
            *(Text(cell, "") if isinstance(cell, str) else Text(cell[0], cell[1]) for cell in row)
        )
    console.print(table)
    return _lines(buffer)


def rich_title(text: str, *, color: bool, width: int | None = None) -> list[str]:
    console, buffer = _console(color, width)
    console.print(Text(text, "bold"))
    return _lines(buffer)


@st.composite
def tables(draw: st.DrawFn, alphabet: str = ALPHABET) -> tuple[list[PaintColumn], list[list[Cell]]]:
    text = st.text(alphabet, max_size=12) | st.sampled_from(["", " ", "  x  ", "1,234", "-5.0%"])
    if draw(st.booleans()):  # narrow columns, empty ones too
        text = st.text(alphabet, max_size=2)
    header = text | st.lists(text, min_size=2, max_size=3).map("\n".join)  # wrapped headers
    column = st.builds(PaintColumn, header=header, right=st.booleans(), no_wrap=st.booleans())
    columns = draw(st.lists(column, min_size=1, max_size=8))
    cell = text | st.tuples(text, st.sampled_from(STYLES))
    row = st.lists(cell, min_size=len(columns), max_size=len(columns))
    rows = draw(st.lists(row, max_size=20))
    # Some columns get a fixed width, as wide as their texts or wider (fitted tables).
    extra = st.lists(st.none() | st.integers(0, 4), min_size=len(columns), max_size=len(columns))
    widths = column_widths(columns, rows)
    if widths is not None:
        columns = [
            column if more is None else replace(column, width=size + more)
            for column, size, more in zip(columns, widths, draw(extra), strict=True)
        ]
    return columns, rows


def _declined_as_tall(columns: Sequence[PaintColumn], rows: Sequence[Sequence[Cell]]) -> bool:
    """Whether the painter leaves the table to rich for its header: several lines tall, with a
    column that has no room for text."""
    widths = column_widths(columns, rows)
    tall = any(len(column.header_lines) > 1 for column in columns)
    return tall and widths is not None and 0 in widths


@settings(deadline=None)
@given(tables(), st.booleans(), st.booleans())
def test_paints_what_rich_prints(
    table: tuple[list[PaintColumn], list[list[Cell]]], color: bool, fold: bool
) -> None:
    columns, rows = table
    painted = paint_table(columns, rows, color=color)
    if painted is None:
        assert _declined_as_tall(columns, rows)
        return
    assert painted == rich_table(columns, rows, color=color, fold=fold)
    assert painted == paint_table(columns, rows, color=color, width=1000)


@settings(deadline=None)
@given(tables(), st.booleans(), st.integers(min_value=1, max_value=120))
def test_paints_what_rich_prints_at_a_width_or_declines(
    table: tuple[list[PaintColumn], list[list[Cell]]], color: bool, width: int
) -> None:
    columns, rows = table
    painted = paint_table(columns, rows, color=color, width=width)
    needed = table_width(columns, rows)
    assert needed is not None
    assert (painted is None) == (needed > width or _declined_as_tall(columns, rows))
    if painted is not None:
        assert painted == rich_table(columns, rows, color=color, width=width)


@settings(deadline=None)
@given(tables(ALPHABET[:20] + "☺" + CONTROLS + HOSTILE), st.booleans())
def test_declines_what_it_cannot_draw(
    table: tuple[list[PaintColumn], list[list[Cell]]], color: bool
) -> None:
    columns, rows = table
    painted = paint_table(columns, rows, color=color)
    if painted is not None:
        assert painted == rich_table(columns, rows, color=color)
    texts = [c.header for c in columns] + [
        c if isinstance(c, str) else c[0] for r in rows for c in r
    ]
    if not any(set(HOSTILE) & set(text) for text in texts):
        assert painted is not None or _declined_as_tall(columns, rows)


@settings(deadline=None)
@given(
    st.text(ALPHABET + CONTROLS + HOSTILE, max_size=40),
    st.booleans(),
    st.none() | st.integers(min_value=1, max_value=50),
)
def test_paints_titles_like_rich(text: str, color: bool, width: int | None) -> None:
    painted = paint_title(text, color=color, width=width)
    if painted is not None:
        assert [painted] == rich_title(text, color=color, width=width)
    if not set(HOSTILE) & set(text) and width is None:
        assert painted is not None


COLUMNS = [PaintColumn("Goal"), PaintColumn("Visitors", right=True)]
ROWS: list[list[Cell]] = [["signup", ("12", "green")], ["buy", ("3", "bold red")]]


def test_two_by_two() -> None:
    assert paint_table(COLUMNS, ROWS, color=False) == [
        "",
        "  Goal     Visitors",
        " ───────────────────",
        "  signup         12",
        "  buy             3",
        "",
    ]


def test_two_by_two_in_colour() -> None:
    bold, green, red, reset = "\x1b[1m", "\x1b[32m", "\x1b[1;31m", "\x1b[0m"
    assert paint_table(COLUMNS, ROWS, color=True) == [
        "",
        f" {bold} {reset}{bold}Goal  {reset}{bold} {reset}"
        f" {bold} {reset}{bold}Visitors{reset}{bold} {reset}",
        " ───────────────────",
        f"  signup   {green}      12{reset}",
        f"  buy      {red}       3{reset}",
        "",
    ]


def test_two_by_two_wide_text_and_header_wider_than_cells() -> None:
    columns = [PaintColumn("目標"), PaintColumn("Visitors this week", right=True)]
    rows: list[list[Cell]] = [["登録", "12"], ["e\u0301", ""]]
    # 目標 and 登録 take 4 cells, e + combining acute 1; "12" is right-justified in 18 cells
    assert paint_table(columns, rows, color=False) == [
        "",
        "  目標   Visitors this week",
        " " + "─" * 27,
        "  登録" + " " * 19 + "12",
        "  e\u0301",
        "",
    ]
    assert table_width(columns, rows) == 29


def test_a_header_wrapped_onto_two_lines_sits_at_the_bottom() -> None:
    columns = [PaintColumn("Goal"), PaintColumn("Macro rate\nwith", right=True)]
    rows: list[list[Cell]] = [["signup", "60.0%"]]
    assert paint_table(columns, rows, color=False) == [
        "",
        "           Macro rate",
        "  Goal           with",
        " " + "─" * 21,
        "  signup        60.0%",
        "",
    ]
    bold, reset = "\x1b[1m", "\x1b[0m"
    painted = paint_table(columns, rows, color=True)
    assert painted is not None
    assert painted[1] == (
        f" {bold}        {reset} {bold} {reset}{bold}Macro rate{reset}{bold} {reset}"
    )
    assert painted == rich_table(columns, rows, color=True)
    assert table_width(columns, rows) == 23


def test_no_rows() -> None:
    assert paint_table(COLUMNS, [], color=False) == [
        "",
        "  Goal   Visitors",
        " ─────────────────",
        "",
    ]


def test_too_wide_or_undrawable_declines() -> None:
    assert paint_table(COLUMNS, ROWS, color=False, width=21) is not None
    assert paint_table(COLUMNS, ROWS, color=False, width=20) is None
    assert paint_table(COLUMNS, [["a\u200db", "1"]], color=False) is None
    assert paint_title("Goals", color=True) == "\x1b[1mGoals\x1b[0m"
    assert paint_title("Goals\tx", color=True) is None


def test_a_fixed_width_pads_and_one_too_narrow_declines() -> None:
    columns = [PaintColumn("Goal", width=8), PaintColumn("Visitors", right=True, width=10)]
    assert paint_table(columns, ROWS, color=False) == [
        "",
        "  Goal" + " " * 9 + "Visitors",
        " " + "─" * 23,
        "  signup" + " " * 13 + "12",
        "  buy" + " " * 17 + "3",
        "",
    ]
    assert table_width(columns, ROWS) == 25
    assert column_widths(columns, ROWS) == [8, 10]
    narrow = [PaintColumn("Goal", width=5), COLUMNS[1]]
    assert paint_table(narrow, ROWS, color=False) is None  # rich would wrap "signup"
    assert table_width(narrow, ROWS) is None


def test_rows_must_have_a_cell_per_column() -> None:
    with pytest.raises(ValueError, match="2 columns"):
        paint_table(COLUMNS, [["only one"]], color=False)


def test_ten_thousand_rows_paint() -> None:
    columns = [PaintColumn("Goal"), *(PaintColumn(f"N{i}", right=True) for i in range(9))]
    rows: list[list[Cell]] = [
        [f"/goal/{n}", *(f"{n * i:,}" for i in range(8)), (f"{n % 7 - 3:+d}", "green")]
        for n in range(10_000)
    ]
    for color in (False, True):
        lines = paint_table(columns, rows, color=color)
        assert lines is not None
        assert len(lines) == 10_000 + 4
        assert lines[3].startswith("  /goal/0 ")
        assert lines[-2].startswith("  /goal/9999 ")


def test_trailing_whitespace_beyond_the_width_in_characters() -> None:
    """rich's Text.rstrip_end compares characters with cells: with combining marks, trailing
    whitespace can be dropped and the padding puts plain spaces in its place."""
    columns = [PaintColumn("N")]
    rows: list[list[Cell]] = [[("e\u0301\u0301\u3000", "green")]]
    painted = paint_table(columns, rows, color=True)
    assert painted is not None
    assert painted[3] == "  \x1b[32me\u0301\u0301  \x1b[0m"
    assert painted == rich_table(columns, rows, color=True)

"""Terminal tables fit the terminal: at 80, 100 and 120 columns, and for random tables at any
width from 40 to 200 columns.

- the bundled sample (goals, funnels, micro → macro, segments, the experiment, a comparison)
  drawn at 80, 100 and 120 columns: no line is longer than the terminal; every row stays on one
  line; every word of the header of each shown column appears whole; names appear whole or cut
  with an ellipsis, figures whole; the columns hidden are named in the note under their table,
  in the documented order (the micro → macro and goals tables written out);
- ``--wide`` on a terminal draws what a pipe gets, every column; ``COLUMNS`` sets the width on a
  terminal and nothing when piped;
- the fitted tables the painter draws are what rich draws (on a recording console);
- very narrow: a table whose kept columns do not fit is drawn one block per row;
- random tables of names and figures at random widths: the same properties.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

import micromacro.render.terminal
from micromacro.cli import cli
from micromacro.environment import Environment, terminal_width
from micromacro.render import terminal
from micromacro.render.page import Section, sections
from micromacro.render.painter import Cell, PaintColumn
from micromacro.render.tables import KEEP, Column, Table
from micromacro.render.terminal import TerminalStyle, render_sections, wrap
from micromacro.render.values import ColumnKind, format_value
from micromacro.report import Report
from micromacro.text import inert
from tests.helpers import SharedBuilds

SAMPLE = ["sample_logs/access.log", "--goals", "goals.example.yaml"]
BY = ["--by", "query:variant", "--by", "channel", "--baseline", "A"]
COMPARE = ["--since", "2026-11-05", "--until", "2026-11-06", "--compare", "previous"]
WIDTHS = (80, 100, 120)
HIDDEN = re.compile(r"(\d+) columns? hidden at (\d+) columns: (.*?); --wide shows all")


# The reports ``_run`` built: the layout of a report at each width is drawn from one build.
_BUILDS = SharedBuilds()


def _run(args: list[str], width: int | None, *, color: bool = False) -> tuple[str, Report]:
    """The report's stdout on a terminal of ``width`` columns (piped when None), and the
    report it drew (built once for all widths, colours and ``--wide``: ``SharedBuilds``)."""
    drawn: list[Report] = []
    real = micromacro.render.terminal.render_terminal

    def spy(report: Report, style: TerminalStyle) -> str:
        drawn.append(report)
        return real(report, style)

    out, err = io.StringIO(), io.StringIO()
    environment = Environment(
        stdin=io.BytesIO(),
        stdout=out,
        stderr=err,
        stdout_isatty=width is not None,
        no_color=not color,
        stdout_width=width,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(micromacro.render.terminal, "render_terminal", spy)
        _BUILDS.share(patch)
        result = CliRunner().invoke(cli, ["report", *args, "--quiet"], obj=environment)
    assert result.exit_code == 0, (result.output, result.exception)
    return out.getvalue(), drawn[0]


def _chunks(
    text: str, page: list[Section], width: int | None
) -> Iterator[tuple[Section, list[str]]]:
    """Each section with its lines (title to the next title)."""
    lines = text.splitlines()
    starts: list[int] = []
    for section in page:
        title = inert(section.title)
        first = title if width is None or cell_len(title) <= width else wrap(title, width)[0]
        begin = starts[-1] + 1 if starts else 0
        starts.append(lines.index(first, begin))
    for section, start, end in zip(page, starts, [*starts[1:], len(lines)], strict=True):
        yield section, lines[start:end]


def _parts(chunk: list[str]) -> tuple[list[str], list[str], str]:
    """A drawn table's header lines, its body lines and the note under it."""
    rule = next(index for index, line in enumerate(chunk) if line.startswith(" ─"))
    blank = chunk.index("", 1)
    end = chunk.index("", rule)
    note = " ".join(line.strip() for line in chunk[end:] if line)
    return chunk[blank + 1 : rule], chunk[rule + 1 : end], note


def _hidden(note: str, width: int) -> list[str]:
    match = HIDDEN.fullmatch(note)
    if not match:
        assert note == ""
        return []
    count, at, headers = match.groups()
    assert int(at) == width
    names = headers.split(", ")
    assert len(names) == int(count)
    return names


def _text_sections(report: Report) -> list[Section]:
    """The sections the terminal draws (the HTML page's charts alone left out)."""
    return [section for section in sections(report) if not section.chart_only]


def _check_page(text: str, report: Report, width: int) -> None:
    """No line wider than ``width``; each table's rows on one line each, shown headers' words
    whole, names whole or cut with an ellipsis, figures whole."""
    assert max(cell_len(line) for line in text.splitlines()) <= width
    for section, chunk in _chunks(text, _text_sections(report), width):
        table = section.table
        if table is None or section.vertical:
            continue
        header, body, note = _parts(chunk)
        hidden = _hidden(note, width)
        shown = [column for column in table.columns if column.header not in hidden]
        assert len(shown) == len(table.columns) - len(hidden)
        words = {word for line in header for word in line.split()}
        for column in shown:
            assert set(column.header.split()) <= words, (column.header, header)
        assert len(body) == len(table.rows)  # every row on one line
        for line, row in zip(body, table.rows, strict=True):
            cells = re.split(r" {3,}", line.strip())
            for column in shown:
                value = inert(format_value(row.get(column.key), column.kind))
                if not value:
                    continue
                if column.is_text:
                    assert value in cells or any(
                        cell.endswith("…") and value.startswith(cell[:-1]) for cell in cells
                    ), (value, cells)
                else:
                    assert value in cells, (value, cells)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "args", [SAMPLE, [*SAMPLE, *BY], [*SAMPLE, *COMPARE, "--by", "channel"]], ids=str
)
def test_the_sample_fits(width: int, args: list[str]) -> None:
    text, report = _run(args, width)
    _check_page(text, report, width)


def test_the_columns_hidden_at_80_columns_in_their_order() -> None:
    text, _ = _run(SAMPLE, 80)
    flat = " ".join(line.strip() for line in text.splitlines())
    assert (
        "6 columns hidden at 80 columns: Category, Type, Visitors, Visitor rate, "
        "Revenue / session, Revenue / visitor; --wide shows all"
    ) in flat
    assert (
        "2 columns hidden at 80 columns: From previous, Median time from previous; "
        "--wide shows all" in flat
    )
    assert (
        "7 columns hidden at 80 columns: Visitors with, Macro with, Visitors without, "
        "Macro without, Lift, Diff. CI low, Diff. CI high; --wide shows all"
    ) in flat
    micro_macro = text[text.index("Micro → macro") :]
    assert "  Micro goal" in micro_macro
    assert "  checkout_started " in micro_macro


def test_fewer_columns_go_at_wider_terminals() -> None:
    def hidden(width: int) -> list[list[str]]:
        text, _ = _run(SAMPLE, width)
        flat = " ".join(line.strip() for line in text.splitlines())
        return [_hidden(match.group(), width) for match in HIDDEN.finditer(flat)]

    assert hidden(100) == [
        ["Category", "Type", "Revenue / session", "Revenue / visitor"],
        ["Median time from previous"],
        ["Visitors without", "Macro without", "Diff. CI low", "Diff. CI high"],
    ]
    assert hidden(120) == [
        ["Category", "Type", "Revenue / session", "Revenue / visitor"],
        ["Visitors without", "Macro without", "Diff. CI low", "Diff. CI high"],
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_wide_shows_every_column_as_when_piped(width: int) -> None:
    args = [*SAMPLE, *BY]
    piped, report = _run(args, None)
    wide, _ = _run([*args, "--wide"], width)
    assert wide == piped
    assert "hidden at" not in wide
    assert max(cell_len(line) for line in wide.splitlines()) > width
    for section in _text_sections(report):
        for column in section.table.columns if section.table and not section.vertical else ():
            assert inert(column.header) in wide


def test_wide_with_another_format_warns() -> None:
    result = CliRunner().invoke(cli, ["report", *SAMPLE, "--format", "json", "--wide"])
    assert result.exit_code == 0
    assert "--wide applies to --format table only" in result.stderr


def test_piped_output_ignores_the_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    piped = CliRunner().invoke(cli, ["report", *SAMPLE, "--quiet"])
    assert "hidden at" not in piped.stdout
    assert piped.stdout == _run(SAMPLE, None)[0]


def test_columns_sets_the_width_of_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    streams: dict[str, Any] = {"stdin": io.BytesIO(), "stderr": io.StringIO()}
    monkeypatch.setenv("COLUMNS", "100")
    assert Environment(stdout=io.StringIO(), stdout_isatty=True, **streams).stdout_width == 100
    assert Environment(stdout=io.StringIO(), stdout_isatty=False, **streams).stdout_width is None
    monkeypatch.setenv("COLUMNS", "wide")  # not a number: the terminal's size, else 80
    assert terminal_width(io.StringIO()) == 80
    monkeypatch.delenv("COLUMNS")
    assert terminal_width(io.StringIO()) == 80
    out = io.StringIO()
    monkeypatch.setenv("COLUMNS", "100")
    environment = Environment(stdout=out, stdout_isatty=True, no_color=True, **streams)
    result = CliRunner().invoke(cli, ["report", *SAMPLE, "--quiet"], obj=environment)
    assert result.exit_code == 0
    assert "hidden at 100 columns" in out.getvalue()
    assert max(len(line) for line in out.getvalue().splitlines()) <= 100


@pytest.mark.parametrize("width", WIDTHS)
def test_the_fitted_tables_are_what_rich_draws(width: int) -> None:
    """Every fitted table the painter draws is what rich prints on a recording console."""
    painted: list[tuple[list[PaintColumn], list[list[Cell]], list[str]]] = []
    real = terminal.paint_table

    def spy(
        columns: list[PaintColumn], rows: list[list[Cell]], *, color: bool, width: int | None
    ) -> list[str] | None:
        lines = real(columns, rows, color=color, width=width)
        if lines is not None and any(column.width is not None for column in columns):
            painted.append((columns, rows, lines))
        return lines

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(terminal, "paint_table", spy)
        _run([*SAMPLE, *BY], width)
    assert painted
    for columns, rows, lines in painted:
        console = Console(
            record=True, file=io.StringIO(), width=width, color_system=None, highlight=False
        )
        console.print(terminal._rich_table(columns, rows, vertical=False, fitted=True))
        assert [line.rstrip() for line in console.export_text().splitlines()] == lines


@pytest.mark.parametrize("width", WIDTHS)
def test_colour_changes_no_layout(width: int) -> None:
    plain, _ = _run([*SAMPLE, *BY], width)
    coloured, _ = _run([*SAMPLE, *BY], width, color=True)
    assert "\x1b[" in coloured
    uncoloured = re.sub(r"\x1b\[[0-9;]*m", "", coloured)
    assert [line.rstrip() for line in uncoloured.splitlines()] == plain.splitlines()


@pytest.mark.parametrize("width", [40, 50])
def test_a_table_too_wide_for_its_kept_columns_is_a_block_per_row(width: int) -> None:
    text, report = _run(SAMPLE, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    micro_macro = text[text.index("Micro → macro") :]
    assert (
        f"one block per row: the table is wider than {width} columns; --wide draws it whole"
    ) in " ".join(line.strip() for line in micro_macro.splitlines())
    blocks = [line for line in micro_macro.splitlines() if line.startswith("  Micro goal ")]
    names = [line.split()[-1] for line in blocks]
    goals = [row.goal for row in report.micro_macro]
    if width == 50:  # room for every name
        assert names == goals
    else:  # cut
        assert len(names) == len(goals)
        assert all(
            goal.startswith(name.rstrip("…")) for name, goal in zip(names, goals, strict=True)
        )
    labels = [line.strip() for line in micro_macro.splitlines()]
    assert sum(label.startswith("Small sample") for label in labels) == len(goals)
    # A label too long for its column wraps at spaces (its value on the last line), never cut
    # into another label's words: "Macro rate without" is never "Macro rate with…".
    blocks_only = [
        line.strip() for line in micro_macro[: micro_macro.index("one block")].splitlines()
    ]
    assert [x for x in blocks_only if "…" in x and not x.startswith("Micro goal")] == []
    rates_without = [x for x in blocks_only if re.fullmatch(r"(Macro rate )?without +\d+\.\d%", x)]
    assert len(rates_without) == len(goals)


@pytest.mark.parametrize("width", [27, 28, 29, 30])
def test_on_a_very_narrow_terminal_names_are_cut_before_a_header_word(width: int) -> None:
    """A block's label keeps its longest word while a name beside it can still give way: at 30
    columns "Pageviews" was "Pagevie…" beside a path cut to 15 cells. (Below 27 columns a
    label's longest word and the widest figure of its table no longer fit side by side.)"""
    text, report = _run(SAMPLE, width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    tables = [s.table for s in _text_sections(report) if s.table is not None]
    header_words = {w for t in tables for c in t.columns for w in c.header.split()}
    name_starts = {
        str(row[c.key]).split()[0]
        for t in tables
        for c in t.columns
        if c.is_text
        for row in t.rows
        if str(row.get(c.key) or "").split()
    }

    def cuts_one_of(stem: str, words: set[str]) -> bool:
        return any(word.startswith(stem) and word != stem for word in words)

    firsts = [line.split()[0] for line in text.splitlines() if line.strip()]
    cut_headers = [
        token
        for token in firsts
        if token.endswith("…")
        and cuts_one_of(token[:-1], header_words)
        and not cuts_one_of(token[:-1], name_starts)
    ]
    assert cut_headers == []
    assert "  Pageviews" in text


@pytest.mark.parametrize("width", [20, 24, 26, 30])
def test_on_a_very_narrow_terminal_changes_are_never_cut(width: int) -> None:
    """A figure is never cut, a change (▲ +0.1 pp) neither: a header's word gives way first."""
    text, _ = _run([*SAMPLE, *COMPARE, "--by", "channel"], width)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    changes = [line for line in text.splitlines() if re.search("[▲▼]", line)]
    assert changes
    assert [line for line in changes if line.rstrip().endswith("…")] == []


def test_at_20_columns_the_input_summary_keeps_its_headers_and_cuts_its_names() -> None:
    text, _ = _run(SAMPLE, 20)
    summary = text[text.index("Input:") : text.index("Summary")]
    blocks = [line.split() for line in summary.splitlines() if line.strip()]
    buckets = [words[1] for words in blocks if words[0] == "Bucket"]
    assert buckets[:3] == ["malfor…", "bot", "static"]  # "malformed" is 9 cells: 7 fit
    assert sum(words[0] == "Lines" for words in blocks) == len(buckets)
    assert sum(words[0] == "Share" for words in blocks) == len(buckets)


# --- random tables -----------------------------------------------------------------------

WORD = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
NAME = st.lists(st.text("abcdefghijklmnopqrstuvwxyz_/.-", min_size=1, max_size=24), max_size=3)
FIGURES: dict[ColumnKind, st.SearchStrategy[object]] = {
    "int": st.integers(0, 10**9),
    "rate": st.floats(0, 1),
    "pvalue": st.floats(0, 1),
    "change": st.floats(-1, 1),
    "float": st.floats(0, 10**6),
    "flag": st.booleans(),
}


def _values(kind: ColumnKind, *, first: bool) -> st.SearchStrategy[object]:
    """A column's values: figures, or names (never empty in the first column, which names the
    row)."""
    if kind != "text":
        return FIGURES[kind]
    return (NAME.filter(bool) if first else NAME).map(" ".join)


@st.composite
def random_sections(draw: st.DrawFn) -> Section:
    """A titled table: a name column first, then names and figures of random priorities."""
    count = draw(st.integers(1, 12))
    headers = draw(
        st.lists(st.lists(WORD, min_size=1, max_size=3).map(" ".join), min_size=count,
                 max_size=count, unique=True)
    )  # fmt: skip
    kinds: list[ColumnKind] = ["text"] + [
        draw(st.sampled_from(["text", *FIGURES])) for _ in range(count - 1)
    ]
    columns = tuple(
        Column(f"c{i}", header, kind, KEEP if i == 0 else draw(st.integers(-3, KEEP)))
        for i, (header, kind) in enumerate(zip(headers, kinds, strict=True))
    )
    rows = draw(
        st.lists(
            st.fixed_dictionaries({c.key: _values(c.kind, first=c.key == "c0") for c in columns}),
            max_size=8,
        )
    )
    counts = [c.key for c in columns if c.kind == "int"]
    bar = draw(st.none() | st.sampled_from(counts)) if counts else None
    title = draw(st.lists(WORD, min_size=1, max_size=12).map(" ".join))
    return Section(title, Table("random", title, columns, rows), bar=bar)


NOTE_WORDS = {
    "column", "columns", "hidden", "at", "--wide", "shows", "all", "one", "block", "per",
    "row", "the", "table", "is", "wider", "than", "draws", "it", "whole",
}  # fmt: skip


def _whole_or_cut(token: str, words: set[str]) -> bool:
    """A word of the page is a whole word of its texts, or the start of one cut with ``…``."""
    token = token.rstrip(",;:")
    if token in words or token.isdigit() or set(token) <= set("─█▏▎▍▌▋▊▉"):
        return True
    return token.endswith("…") and any(word.startswith(token[:-1]) for word in words)


@settings(deadline=None, max_examples=200)
@given(random_sections(), st.none() | st.integers(40, 200))
def test_random_tables_fit_without_breaking_a_word(section: Section, width: int | None) -> None:
    table = section.table
    assert table is not None
    text = render_sections([section], TerminalStyle(width=width))
    cells = {
        column.key: [inert(format_value(row.get(column.key), column.kind)) for row in table.rows]
        for column in table.columns
    }
    words = {word for values in cells.values() for value in values for word in value.split()}
    words |= {word for column in table.columns for word in column.header.split()}
    words |= set(section.title.split()) | NOTE_WORDS
    for line in text.splitlines():
        if width is not None:
            assert cell_len(line) <= width, line
        for token in line.split():
            assert _whole_or_cut(token, words), (token, line)
    hidden: list[str] = []
    if width is None:
        assert "…" not in text
        for column in table.columns:
            assert column.header in text
    elif "block per row" not in text:  # a table: the shown headers' words, whole
        header, _, note = _parts(text.splitlines())
        hidden = _hidden(note, width)
        header_words = {word for line in header for word in line.split()}
        for column in table.columns:
            if column.header not in hidden:
                assert set(column.header.split()) <= header_words
    for column in table.columns:
        if column.header in hidden:
            continue
        for value in cells[column.key]:
            if column.is_text:  # a name: whole, or its start and an ellipsis
                cuts = (value[:end].rstrip() + "…" for end in range(len(value)))
                assert value in text or any(cut in text for cut in cuts), value
            else:  # a figure: whole, always
                assert value in text, value

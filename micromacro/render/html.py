"""HTML: the report as one self-contained page (``--format html``).

The page follows ``page.sections``, the layout the terminal and Markdown share: a header
(the period, the inputs and their buckets as a stacked bar), the alerts, the key figures, the
trend, goals, funnels, the ladder and micro → macro, the traffic overview, the segments and the
experiment, then a footer with the version and the command line. Charts are SVG from
``charts``; tables are real ``<table>`` elements. Everything is drawn by the Jinja templates of
``templates/`` with autoescaping on; every text from a log or a goals file goes through
``text.inert`` first and is cut when long (the whole text, up to a limit, in a title).

The page needs nothing from outside and runs no script: its Content-Security-Policy allows its
one style sheet (by hash) and data images, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

from markupsafe import Markup

from micromacro import __version__
from micromacro.periods import zone_name
from micromacro.render.charts import (
    funnel_chart,
    inline_bar,
    interval_bar,
    lift_chart,
    stacked_bar,
    svg,
    templates,
    trend_chart,
)
from micromacro.render.options import RunInfo
from micromacro.render.page import Section, sections
from micromacro.render.tables import Column, Table, good_news, input_table
from micromacro.render.values import ColumnKind, format_instant, format_value, p_equals
from micromacro.report import Report
from micromacro.text import file_name_text, inert

# A text cell shows this many characters at most; a longer one ends in … and its title holds
# the text up to TITLE_CHARS (a 10,000-character user agent stays readable and the file small).
CELL_CHARS = 120
TITLE_CHARS = 2000
# Section titles hold goal and funnel names.
HEADING_CHARS = 300
# A table of more rows than this is folded under its chart (the trend of a year).
FOLD_ROWS = 31
# The summary figures shown first and larger, where the report has them.
KEY_FIGURES = (
    "sessions", "visitors", "macro_conversion_rate", "micro_conversion_rate",
    "engaged_sessions", "engagement_rate",
)  # fmt: skip
SIGNIFICANT = 0.05
# A table's column that gets a bar in each cell, where its section names none.
_BARS = {"ladder": "share"}


@dataclass(frozen=True)
class Cell:
    """A table cell as drawn: its text (cut), the whole text as a title when cut, whether it
    holds a figure (right-aligned), a chart after the text, and a class."""

    text: str
    title: str = ""
    numeric: bool = False
    chart: Markup | None = None
    css: str = ""


@dataclass(frozen=True)
class Row:
    """A table row's cells and its class (``fired``, ``small``)."""

    cells: list[Cell]
    css: str = ""


@dataclass(frozen=True)
class TableView:
    """A table as drawn: its header cells, rows, and whether it is folded away."""

    name: str
    headers: list[Cell]
    rows: list[Row]
    folded: bool = False
    title: str = ""  # what a screen reader names the table and its scrolling box by


@dataclass(frozen=True)
class Figure:
    """A key figure: the summary field ``key``, its header, value (as read and raw), and with
    ``--compare`` the value before, the change with its arrow, and ``good``/``bad`` when the
    change is significant."""

    key: str
    header: str
    text: str
    raw: str
    large: bool
    before: str = ""
    change: str = ""
    css: str = ""


@dataclass
class Block:
    """One section of the page: a title, and what is under it."""

    name: str
    title: str
    table: TableView | None = None
    charts: list[Markup] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    banners: list[str] = field(default_factory=list)
    note: str = ""
    css: str = ""
    before: str = ""
    legend: list[tuple[str, str]] = field(default_factory=list)  # each line's class and name


def shown(text: str, limit: int = CELL_CHARS) -> tuple[str, str]:
    """Text from the data as a cell shows it, and its title: control and bidi characters as
    visible escapes, cut to ``limit`` characters (the title then holds more of it).

    >>> shown("<b>\\u202e")
    ('<b>\\\\u202e', '')
    >>> text, title = shown("x" * 200)
    >>> len(text), len(title)
    (120, 200)
    """
    safe = inert(text)
    if len(safe) <= limit:
        return safe, ""
    return inert(text, limit=limit), inert(text, limit=TITLE_CHARS)


def _cell(value: object, column: Column, chart: Markup | None = None, css: str = "") -> Cell:
    text, title = shown(format_value(value, column.kind))
    if column.is_text and _UNBROKEN.search(text):  # wraps anywhere, not only at a break
        css = f"{css} long".strip()
    return Cell(text, title, numeric=not column.is_text, chart=chart, css=css)


# A text of this many characters without a space makes its cell wrap anywhere (a long path or
# an id in one), rather than widen its column past the box (a browser breaks a path at few of
# its slashes); a shorter one keeps its words whole (``/en/checkout/thank-you`` on a phone).
_UNBROKEN = re.compile(r"\S{40}")


def _number(value: object) -> float | None:
    """A figure as a float; None for none, a flag or a float that is not finite."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    return float(value) if math.isfinite(value) else None


def _change_css(
    row: dict[str, object], change_key: str, p_key: str, kind: ColumnKind, key: str = ""
) -> str:
    """``good`` or ``bad`` for a significant change (by the figure's good direction) that
    shows as one (a change shown as nothing, ``= 0.0 pp``, has no colour), else empty."""
    change, p_value = _number(row.get(change_key)), _number(row.get(p_key))
    if change is None or p_value is None or p_value >= SIGNIFICANT:
        return ""
    if not _arrow(format_value(change, kind)):
        return ""
    return "good" if good_news(key, change) else "bad"


def _raw(value: object) -> str:
    """A figure as its card's ``data-value`` holds it: empty for none, and for a float that is
    not finite (no figure either); a text from the data (a currency) as a cell shows it."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return shown(value)[0] if isinstance(value, str) else str(value)


def _arrow(shown_change: str) -> str:
    """The arrow of a change as it is shown: none where it shows no change (``+0s``, ``= 0.0
    pp``: a change that rounds to nothing has no direction).

    >>> _arrow("-3s"), _arrow("▲ +1.2 pp"), _arrow("+0.00"), _arrow("n/a")
    ('▼ ', '▲ ', '', '')
    """
    if not any(digit in shown_change for digit in "123456789"):
        return ""
    return "▼ " if shown_change.lstrip("▲▼ ").startswith("-") else "▲ "


def table_view(table: Table, bar: str | None = None, *, fold: bool = False) -> TableView:
    """A table as drawn: a header row, a bar after each value of column ``bar`` (against the
    column's largest), significant changes coloured, fired alerts and small samples marked;
    folded away when ``fold`` or long."""
    top = max((_number(row.get(bar)) or 0.0 for row in table.rows), default=0.0) if bar else 0.0
    headers = [Cell(*shown(c.header), numeric=not c.is_text) for c in table.columns]
    rows = []
    for row in table.rows:
        cells = []
        for column in table.columns:
            chart = None
            if column.key == bar:
                title = f"{column.header}: {format_value(row.get(bar), column.kind)}"
                chart = svg(inline_bar(_number(row.get(bar)), top, title))
            is_change = column.key == "change"
            css = _change_css(row, "change", "change_p_value", column.kind) if is_change else ""
            cells.append(_cell(row.get(column.key), column, chart, css))
        css = " ".join(
            name
            for name, on in (("fired", row.get("status") == "fired"),
                             ("small", row.get("small_sample") is True))
            if on
        )  # fmt: skip
        rows.append(Row(cells, css))
    folded = fold or len(rows) > FOLD_ROWS
    return TableView(table.name, headers, rows, folded=folded, title=inert(table.title, limit=200))


def _goals_view(report: Report, table: Table) -> TableView:
    """The goals table with each conversion rate's 95% Wilson interval drawn after it."""
    view = table_view(table)
    position = next(i for i, c in enumerate(table.columns) if c.key == "conversion_rate") + 1
    top = max((g.conversion_rate_ci_high or g.conversion_rate for g in report.goals), default=0)
    view.headers.insert(position, Cell("95% interval"))
    for row, goal in zip(view.rows, report.goals, strict=True):
        row.cells.insert(position, Cell("", chart=svg(interval_bar(goal, top or 1.0))))
    return view


def key_figures(table: Table) -> list[Figure]:
    """The summary's figures as cards, the ``KEY_FIGURES`` first: with ``--compare`` each
    with its value before and its change."""
    row = table.rows[0] if table.rows else {}
    keys = {c.key for c in table.columns}
    figures = []
    for column in table.columns:
        key = column.key
        if key.startswith(("previous_", "change_")):
            continue
        value = row.get(key)
        before = change = css = ""
        if f"change_{key}" in keys:
            change_column = next(c for c in table.columns if c.key == f"change_{key}")
            delta = row.get(f"change_{key}")
            before = format_value(row.get(f"previous_{key}"), column.kind)
            shown_change = format_value(delta, change_column.kind)
            change = _arrow(shown_change) + shown_change.lstrip("▲▼ ")
            css = _change_css(
                row, f"change_{key}", f"change_p_value_{key}", change_column.kind, key
            )
        text, _ = shown(format_value(value, column.kind))
        figures.append(
            Figure(key, column.header, text, _raw(value), key in KEY_FIGURES, before, change, css)
        )
    order = {key: index for index, key in enumerate(KEY_FIGURES)}
    return sorted(figures, key=lambda f: order.get(f.key, len(order)))


def _sample_ratio_banner(report: Report) -> list[str]:
    trial = report.experiment
    if trial is None or not trial.sample_ratio.mismatch:
        return []
    check = trial.sample_ratio
    sessions = ", ".join(
        f"{inert(name, limit=40)} {count:,}"
        for name, count in zip(check.variants, check.sessions, strict=True)
    )
    split = ", ".join(format_value(share, "rate") for share in check.expected_split)
    return [
        f"Sample-ratio mismatch: the variants' sessions ({sessions}) are not in the expected "
        f"split ({split}), {p_equals(check.p_value)}. Visitors may not have "
        "been assigned at random: check the assignment before trusting these figures."
    ]


def _blocks(report: Report, page: list[Section]) -> Iterator[Block]:
    """Each section after the heading and the input as a block of the page."""
    funnels = iter(report.funnels)
    for section in page:
        table = section.table
        title = inert(section.title, limit=HEADING_CHARS)
        if table is None:
            yield Block("note", title, note=inert(section.note or ""))
            continue
        block = Block(table.name, title, before=inert(section.before))
        if table.name == "summary":
            block.figures = key_figures(table)
        elif table.name == "goals":
            block.table = _goals_view(report, table)
        else:  # a section drawn as a chart keeps its table folded under it
            bar = section.bar or _BARS.get(table.name)
            block.table = table_view(table, bar, fold=section.chart_only)
        if table.name == "trend":
            block.charts.append(svg(trend_chart(report.trend)))
            block.legend = [("sessions", "Sessions")]
            if any(row.macro_conversion_rate is not None for row in report.trend.rows):
                block.legend.append(("rate", "Macro conversion rate"))
            if not table.rows:
                block.charts, block.table = [], None
                block.note = "No day or hour to show: the period has no hits."
        elif table.name == "funnel":
            block.charts.append(svg(funnel_chart(next(funnels))))
        elif table.name == "micro_macro":
            block.charts.append(svg(lift_chart(report.micro_macro)))
        elif table.name == "experiment":
            block.banners = _sample_ratio_banner(report)
        elif table.name == "alerts":
            fired = any(row.get("status") == "fired" for row in table.rows)
            block.css = "fired" if fired else ""
        yield block


def _command_line(argv: tuple[str, ...]) -> str:
    """The command as typed (quoted for a shell), shown inert; a byte of an argument that is
    not UTF-8 (a file name's) as a ``\\xNN`` escape.

    >>> _command_line(("report", "logs/*.log", "--by", "query:<x>", "-o", "r\\udc85.html"))
    "micromacro report 'logs/*.log' --by 'query:<x>' -o 'r\\\\x85.html'"
    """
    typed = shlex.join(file_name_text(word) for word in ("micromacro", *argv))
    return inert(typed, limit=TITLE_CHARS)


def _style() -> tuple[Markup, str]:
    """The page's style sheet, and its hash for the Content-Security-Policy."""
    environment = templates()
    assert environment.loader is not None
    css, _, _ = environment.loader.get_source(environment, "report.css")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return Markup(css), f"'sha256-{digest}'"


def render_html(report: Report, run: RunInfo | None = None) -> str:
    """The report as one HTML page (``page.sections``' order), with ``run``'s command line
    and time in its header and footer."""
    run = run or RunInfo()
    page = sections(report)
    heading = next(s for s in page if s.heading)
    body = [s for s in page if not s.heading and not (s.table and s.table.name == "input")]
    source = input_table(report)
    css, css_hash = _style()
    generated = (
        f"{format_instant(run.generated, report.tz)} ({zone_name(report.tz)})"
        if run.generated
        else ""
    )
    return (
        templates()
        .get_template("report.html.j2")
        .render(
            css=css,
            csp=f"default-src 'none'; style-src {css_hash}; img-src data:; base-uri 'none'; "
            "form-action 'none'",
            period=inert(heading.title),
            zone=zone_name(report.tz),
            input_title=inert(source.title),
            inputs=[shown(name)[0] for name in run.inputs],
            buckets=svg(
                stacked_bar([(str(r["bucket"]), int(str(r["lines"]))) for r in source.rows])
            ),
            bucket_table=table_view(source),
            warnings=[inert(text, limit=TITLE_CHARS) for text in report.warnings],
            blocks=list(_blocks(report, body)),
            version=__version__,
            command=_command_line(run.argv) if run.argv else "",
            generated=generated,
        )
    )

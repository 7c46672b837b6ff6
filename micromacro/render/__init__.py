"""Renderers: one module per output format, all fed the same ``Report``.

``render(report, fmt, ...)`` returns the text to write; adding a format means adding one module
and one entry in ``RENDERERS``.
"""

from __future__ import annotations

from collections.abc import Callable

from micromacro.option_values import DEFAULT_TABLE, OutputFormat
from micromacro.render.delimited import render_csv, render_tsv
from micromacro.render.html import RunInfo, render_html
from micromacro.render.json import render_json
from micromacro.render.markdown import render_markdown
from micromacro.render.tables import report_table
from micromacro.render.terminal import TerminalStyle, render_terminal
from micromacro.report import Report

__all__ = [
    "RunInfo",
    "TerminalStyle",
    "render",
    "report_table",
]


def render(
    report: Report,
    fmt: OutputFormat,
    *,
    table: str = DEFAULT_TABLE,
    style: TerminalStyle | None = None,
    raw: bool = False,
    run: RunInfo | None = None,
) -> str:
    """The report in ``fmt``; ``table`` picks the CSV/TSV table, ``style`` the terminal look,
    ``raw`` leaves CSV/TSV values that look like formulas unescaped (``--csv-raw``), ``run``
    what the HTML page says of the run (its command line and time)."""
    renderers: dict[str, Callable[[], str]] = {
        "table": lambda: render_terminal(report, style or TerminalStyle()),
        "csv": lambda: render_csv(report, table, raw=raw),
        "tsv": lambda: render_tsv(report, table, raw=raw),
        "json": lambda: render_json(report),
        "markdown": lambda: render_markdown(report),
        "html": lambda: render_html(report, run),
    }
    return renderers[fmt]()

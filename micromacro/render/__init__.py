"""Renderers: one module per output format, all fed the same ``Report``.

``render(report, fmt, ...)`` returns the text to write; adding a format means adding one module
and one branch in ``render``, which imports only the renderer asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from micromacro.option_values import DEFAULT_TABLE, OutputFormat
from micromacro.render.options import RunInfo, TerminalStyle

if TYPE_CHECKING:
    from micromacro.report import Report

__all__ = ["RunInfo", "TerminalStyle", "render"]


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
    # A JSON or CSV run loads neither rich's tables nor the HTML templates.
    if fmt == "table":
        from micromacro.render.terminal import render_terminal

        return render_terminal(report, style or TerminalStyle())
    if fmt in ("csv", "tsv"):
        from micromacro.render.delimited import render_csv, render_tsv

        return (render_csv if fmt == "csv" else render_tsv)(report, table, raw=raw)
    if fmt == "json":
        from micromacro.render.json import render_json

        return render_json(report)
    if fmt == "markdown":
        from micromacro.render.markdown import render_markdown

        return render_markdown(report)
    from micromacro.render.html import render_html

    return render_html(report, run)

"""CSV and TSV: one table per run, a header row, snake_case columns, rates as fractions 0–1.

Every cell goes through ``outputs.csv_cell``/``tsv_cell``: C0 controls become U+FFFD, a value a
spreadsheet would run as a formula gets a ``'`` prefix (unless ``raw``: ``--csv-raw``), CSV quotes
CR, LF, commas and quotes, TSV escapes tabs and line breaks.
"""

from __future__ import annotations

import math

from micromacro.outputs import csv_line, tsv_line
from micromacro.render.tables import report_table
from micromacro.report import Report


def _raw(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""  # not finite: no figure, as null
    return str(value)


def render_csv(report: Report, table: str, *, raw: bool = False) -> str:
    """The table called ``table`` as RFC 4180 CSV (``\\r\\n`` line ends are avoided: ``\\n``)."""
    chosen = report_table(report, table)
    lines = [csv_line((c.key for c in chosen.columns), raw=raw)]
    lines += [
        csv_line((_raw(row.get(c.key)) for c in chosen.columns), raw=raw) for row in chosen.rows
    ]
    return "".join(lines)


def render_tsv(report: Report, table: str, *, raw: bool = False) -> str:
    """The table called ``table`` as tab-separated values."""
    chosen = report_table(report, table)
    lines = [tsv_line((c.key for c in chosen.columns), raw=raw)]
    lines += [
        tsv_line((_raw(row.get(c.key)) for c in chosen.columns), raw=raw) for row in chosen.rows
    ]
    return "".join(lines)

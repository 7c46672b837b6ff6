"""CSV and TSV: one table per run, a header row, snake_case columns, rates as fractions 0–1."""

from __future__ import annotations

import csv
import io

from micromacro.render.tables import Table, report_tables
from micromacro.report import Report


def _raw(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _tsv_field(value: object) -> str:
    # TSV has no quoting: tabs and line breaks inside a value are written as escapes.
    return (
        _raw(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _table(report: Report, name: str) -> Table:
    return report_tables(report)[name]


def render_csv(report: Report, table: str) -> str:
    """The table called ``table`` as RFC 4180 CSV (``\\r\\n`` line ends are avoided: ``\\n``)."""
    chosen = _table(report, table)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.key for c in chosen.columns])
    for row in chosen.rows:
        writer.writerow([_raw(row.get(c.key)) for c in chosen.columns])
    return buffer.getvalue()


def render_tsv(report: Report, table: str) -> str:
    """The table called ``table`` as tab-separated values."""
    chosen = _table(report, table)
    lines = ["\t".join(c.key for c in chosen.columns)]
    lines += ["\t".join(_tsv_field(row.get(c.key)) for c in chosen.columns) for row in chosen.rows]
    return "\n".join(lines) + "\n"

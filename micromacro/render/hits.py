"""The hit table of ``micromacro hits`` as CSV, TSV, NDJSON or Parquet.

Unlike the report's renderers this writes one large frame, so it is written by Polars' own
writers: times become ISO 8601 text in UTC (``2026-11-02T08:15:03Z``, fractions where the log
has them) in the text formats and stay timestamps in Parquet.

CSV and TSV cells follow the rules of ``outputs.csv_cell``/``tsv_cell``, as vectorised string
expressions over every text column: C0 controls become U+FFFD, a formula start gets a ``'``
prefix (unless ``raw``) while plain numbers stay as they are, and TSV escapes tabs and line
breaks. Polars' CSV writer quotes a value holding CR, LF, the separator or a quote itself.
"""

from __future__ import annotations

import io

import polars as pl

from micromacro.option_values import HitFormat
from micromacro.outputs import CONTROL_PATTERN, FORMULA_START_PATTERN, NUMBER_PATTERN, REPLACEMENT
from micromacro.text import json_inert_bytes

ISO_UTC = "%Y-%m-%dT%H:%M:%S%.fZ"
_WHOLE_NUMBER = f"^(?:{NUMBER_PATTERN})$"


def _with_text_times(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(pl.col("ts").dt.to_string(ISO_UTC))


def _text_columns(rows: pl.DataFrame) -> list[str]:
    return [name for name, dtype in rows.schema.items() if dtype == pl.String]


def _safe_cells(rows: pl.DataFrame, *, raw: bool) -> pl.DataFrame:
    """Every text column with C0 controls (but tab, LF, CR) replaced by U+FFFD and, unless
    ``raw``, a ``'`` before a value that starts like a formula and is no plain number."""
    strings = _text_columns(rows)
    cleaned = rows.with_columns(pl.col(strings).str.replace_all(CONTROL_PATTERN, REPLACEMENT))
    if raw:
        return cleaned
    return cleaned.with_columns(
        pl.when(
            pl.col(name).str.contains(FORMULA_START_PATTERN)
            & ~pl.col(name).str.contains(_WHOLE_NUMBER)
        )
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in strings
    )


def _tsv_escaped(rows: pl.DataFrame) -> pl.DataFrame:
    """TSV has no quoting: backslashes, tabs and line breaks in values are written as escapes."""
    escapes = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    return rows.with_columns(pl.col(_text_columns(rows)).str.replace_many(escapes))


def write_hit_table(rows: pl.DataFrame, fmt: HitFormat, *, raw: bool = False) -> bytes:
    """``rows`` (the hit table) in ``fmt``, with a header row in CSV and TSV; ``raw`` leaves
    formula starts unescaped in CSV and TSV (``--csv-raw``)."""
    buffer = io.BytesIO()
    if fmt == "parquet":
        rows.write_parquet(buffer)
    elif fmt == "ndjson":
        _with_text_times(rows).write_ndjson(buffer)
        return json_inert_bytes(buffer.getvalue())  # C1 and bidi characters as escapes
    elif fmt == "tsv":
        _tsv_escaped(_safe_cells(_with_text_times(rows), raw=raw)).write_csv(
            buffer, separator="\t", quote_style="never", line_terminator="\n"
        )
    else:
        _safe_cells(_with_text_times(rows), raw=raw).write_csv(
            buffer, quote_style="necessary", line_terminator="\n"
        )
    return buffer.getvalue()

"""The hit table of ``micromacro hits`` as CSV, TSV, NDJSON or Parquet.

Unlike the report's renderers this writes one large frame, so it is written by Polars' own
writers: times become ISO 8601 text in UTC (``2026-11-02T08:15:03Z``, fractions where the log
has them) in the text formats and stay timestamps in Parquet.
"""

from __future__ import annotations

import io
from typing import Literal

import polars as pl

HitFormat = Literal["csv", "tsv", "ndjson", "parquet"]
HIT_FORMATS: tuple[HitFormat, ...] = ("csv", "tsv", "ndjson", "parquet")
ISO_UTC = "%Y-%m-%dT%H:%M:%S%.fZ"


def _with_text_times(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.with_columns(pl.col("ts").dt.to_string(ISO_UTC))


def _tsv_escaped(rows: pl.DataFrame) -> pl.DataFrame:
    """TSV has no quoting: backslashes, tabs and line breaks in values are written as escapes."""
    escapes = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    strings = [name for name, dtype in rows.schema.items() if dtype == pl.String]
    return rows.with_columns(pl.col(strings).str.replace_many(escapes))


def write_hit_table(rows: pl.DataFrame, fmt: HitFormat) -> bytes:
    """``rows`` (the hit table) in ``fmt``, with a header row in CSV and TSV."""
    buffer = io.BytesIO()
    if fmt == "parquet":
        rows.write_parquet(buffer)
    elif fmt == "ndjson":
        _with_text_times(rows).write_ndjson(buffer)
    elif fmt == "tsv":
        _tsv_escaped(_with_text_times(rows)).write_csv(
            buffer, separator="\t", quote_style="never", line_terminator="\n"
        )
    else:
        _with_text_times(rows).write_csv(buffer, line_terminator="\n")
    return buffer.getvalue()
